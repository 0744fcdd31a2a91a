"""Invitations to an event or to the year's programme, and their progress."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.auth.forms import ORGANISATION_TYPE_LABELS
from leerhuis.blueprints.forms_common import to_choices
from leerhuis.blueprints.invitations.forms import InvitationForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import db
from leerhuis.models import Event, InvitationBatch
from leerhuis.permissions import region_admin_required
from leerhuis.services import catalogue, invitations

bp = Blueprint("invitations", __name__)


def _form(region) -> InvitationForm:
    form = InvitationForm()
    options = catalogue.filter_options(region)
    form.target_group_ids.choices = to_choices([(g.id, g.name) for g in options["target_groups"]])
    form.organisation_types.choices = to_choices([(t.value, label) for t, label
                                                  in ORGANISATION_TYPE_LABELS.items()])
    form.organisation_ids.choices = to_choices([(o.id, o.name) for o in options["organisations"]])
    form.municipality_ids.choices = to_choices([(m.id, m.name) for m in options["municipalities"]])
    return form


def _handle(form: InvitationForm, region, event, year, template_args):
    if form.validate_on_submit():
        valid, invalid = invitations.parse_email_list(form.emails.data or "")
        if invalid:
            form.emails.errors = [_("Deze adressen zijn ongeldig: %(list)s",
                                    list=", ".join(invalid))]
        else:
            targets = invitations.Targets(
                target_group_ids=form.target_group_ids.data or [],
                organisation_ids=form.organisation_ids.data or [],
                organisation_types=form.organisation_types.data or [],
                municipality_ids=form.municipality_ids.data or [], emails=valid)
            with unit_of_work(form, field="emails") as work:
                batch = invitations.create_batch(by=current_user, region=region, targets=targets,
                                                 event=event, programme_year=year,
                                                 message=form.message.data or "")
            if work.ok:
                return redirect(url_for("invitations.progress", batch_id=batch.id))
    status = 400 if form.errors or form.emails.errors else 200
    refusal = invitations.not_invitable_reason(event, region, year)
    return render_template("invitations/form.html", form=form, refusal=refusal,
                           **template_args), status


@bp.route("/activiteiten/<int:event_id>/uitnodigen", methods=["GET", "POST"])
@login_required
def invite_for_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    if not invitations.can_invite(current_user, event, event.region):
        abort(403)
    return _handle(_form(event.region), event.region, event, None,
                   {"event": event, "heading": _("Uitnodigen voor %(title)s", title=event.title)})


@bp.route("/regio/uitnodigen/<int:year>", methods=["GET", "POST"])
@region_admin_required
def invite_for_programme(year: int):
    if not 2000 <= year <= 2100:
        abort(404)
    region = current_user.region
    return _handle(_form(region), region, None, year,
                   {"event": None,
                    "heading": _("Uitnodigen voor het jaarprogramma %(year)d", year=year)})


@bp.get("/uitnodigingen/<int:batch_id>")
@login_required
def progress(batch_id: int):
    batch = db.get_or_404(InvitationBatch, batch_id)
    region = batch.event.region if batch.event else current_user.region
    if batch.region_id != current_user.region_id and not invitations.can_invite(
            current_user, batch.event, region):
        abort(403)
    if not invitations.can_invite(current_user, batch.event, region):
        abort(403)
    return render_template("invitations/progress.html", batch=batch,
                           state=invitations.progress(batch), this_year=date.today().year)
