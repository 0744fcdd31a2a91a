"""My data: see, download and delete what the portal keeps about me."""

from __future__ import annotations

from typing import ClassVar

from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from leerhuis.blueprints.forms_common import GuardedForm
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import configured_limit, limiter
from leerhuis.services import accounts, privacy

bp = Blueprint("privacy", __name__)


class DeleteAccountForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"password": "a password"}

    password = PasswordField(_l("Wachtwoord"),
                             validators=[DataRequired(_l("Vul je wachtwoord in."))])


@bp.get("/mijn-gegevens")
@login_required
def my_data():
    return render_template("privacy/my_data.html", data=privacy.export_data(current_user),
                           form=DeleteAccountForm())


@bp.post("/mijn-gegevens/download")
@login_required
@limiter.limit(configured_limit("export"))
def download():
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work():  # the export is recorded in the audit log
        content = privacy.export_zip(current_user)
    return Response(content, mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="mijn-gegevens-leerhuis.zip"'})


@bp.post("/mijn-gegevens/verwijderen")
@login_required
def delete_account():
    form = DeleteAccountForm()
    user = current_user._get_current_object()
    if form.validate_on_submit() and accounts.password_matches(user, form.password.data):
        with unit_of_work():
            privacy.delete_account(user, by=user)
        logout_user()
        session.clear()
        flash(_("Je account is verwijderd. Bewijzen van deelname blijven controleerbaar met hun "
                "code."), "success")
        return redirect(url_for("main.home"))
    form.password.errors = [_("Dit is niet je wachtwoord.")]
    return render_template("privacy/my_data.html", data=privacy.export_data(user), form=form), 400
