"""Anonymous evaluations: the answer form (token link) and the results."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.access import managed_event
from leerhuis.blueprints.evaluations.forms import EvaluationForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.permissions import region_admin_required
from leerhuis.services import evaluations, programme

bp = Blueprint("evaluations", __name__)


@bp.route("/evaluatie/<token>", methods=["GET", "POST"])
def answer(token: str):
    with unit_of_work(flash_others=False) as work:
        event = evaluations.event_for_token(token)
    if not work.ok:
        return render_template("evaluations/closed.html", message=work.error.message), 400
    form, privacy = EvaluationForm(), None
    if form.validate_on_submit():
        with unit_of_work(form, flash_others=False) as work:
            evaluations.answer(token, grade=form.grade.data, usefulness=form.usefulness.data,
                               do_differently=form.do_differently.data or "",
                               suggestions=form.suggestions.data or "",
                               lesson=form.lesson.data or "",
                               privacy_confirmed=form.privacy_confirmed.data)
        if work.ok:
            return render_template("evaluations/thanks.html")
        if isinstance(work.error, evaluations.EvaluationError):  # the link was used meanwhile
            return render_template("evaluations/closed.html", message=work.error.message), 400
        privacy = work.error if isinstance(work.error, programme.PrivacyCheckFailed) else None
    return render_template("evaluations/form.html", form=form, event=event,
                           privacy=privacy), 400 if form.errors else 200


@bp.get("/activiteiten/<int:event_id>/evaluaties")
@login_required
def event_results(event_id: int):
    event = managed_event(event_id)
    return render_template("evaluations/event.html", event=event,
                           results=evaluations.results(event))


@bp.get("/regio/evaluaties")
@region_admin_required
def region_results():
    groupings = {"soort": _("Per soort activiteit"), "thema": _("Per thema"),
                 "organisator": _("Per organisator"), "jaar": _("Per jaar")}
    return render_template("evaluations/region.html", groupings=groupings, tables={
        key: evaluations.averages(current_user.region_id, key) for key in groupings})


@bp.get("/regio/evaluaties.csv")
@region_admin_required
def region_csv():
    return Response(evaluations.export_csv(current_user.region_id), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="evaluaties.csv"'})
