"""The Region's back office: approvals, event types, mail outbox, audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leerhuis.blueprints.forms_common import page_arg
from leerhuis.blueprints.region.forms import (
    SKJ_CATEGORY_LABELS,
    DecisionForm,
    EmptyForm,
    EventTypeForm,
)
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import db, write_transaction
from leerhuis.models import ApprovalStatus, Organisation, OrganiserRole, OutboxMessage, OutboxStatus
from leerhuis.permissions import region_admin_required
from leerhuis.services import accounts, event_types, outbox, region_admin

bp = Blueprint("region", __name__, url_prefix="/regio")


@bp.get("/")
@region_admin_required
def dashboard():
    region = current_user.region
    return render_template(
        "region/dashboard.html",
        requests=region_admin.pending_organiser_requests(region),
        organisations=region_admin.pending_organisations(region),
        outbox_counts=region_admin.outbox_counts(region),
        statuses=OutboxStatus,
    )


@bp.get("/aanvragen")
@region_admin_required
def requests():
    region = current_user.region
    return render_template(
        "region/requests.html",
        pagination=region_admin.organiser_requests_page(region, page_arg()),
        organisations=region_admin.pending_organisations(region),
        form=DecisionForm(),
    )


@bp.post("/aanvragen/<int:role_id>")
@region_admin_required
def decide_request(role_id: int):
    role = db.get_or_404(OrganiserRole, role_id)
    if role.organisation.region_id != current_user.region_id:
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        accounts.decide_organiser_role(role, approve=form.decision.data == "approve",
                                       by=current_user, reason=form.reason.data or "")
    if not work.ok:
        return redirect(url_for("region.requests"))
    flash(_("Het besluit is opgeslagen en %(name)s is per e-mail geïnformeerd.",
            name=role.user.full_name), "success")
    return redirect(url_for("region.requests"))


@bp.post("/organisaties/<int:organisation_id>")
@region_admin_required
def decide_organisation(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if organisation.region_id != current_user.region_id:
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit() or organisation.status is not ApprovalStatus.REQUESTED:
        abort(400)
    with unit_of_work():
        accounts.decide_organisation(organisation, approve=form.decision.data == "approve",
                                     by=current_user)
    flash(_("Het besluit over %(name)s is opgeslagen.", name=organisation.name), "success")
    return redirect(url_for("region.requests"))


@bp.route("/soorten", methods=["GET", "POST"])
@region_admin_required
def event_types_page():
    """The region's kinds of activity; the form adds one."""
    region = current_user.region
    form = EventTypeForm()
    loose: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with unit_of_work(flash_others=False) as work:
                created = event_types.create_type(region, form.to_input(), by=current_user)
            if not work.ok:
                loose = form.apply_errors(work.error.errors)
            else:
                flash(_("De soort %(name)s is toegevoegd.", name=created.name_nl), "success")
                return redirect(url_for("region.event_types_page"))
        status = 400
    return render_template("region/event_types.html", types=event_types.types_for(region),
                           skj_labels=SKJ_CATEGORY_LABELS, form=form,
                           loose_errors=loose), status


@bp.route("/soorten/<int:type_id>", methods=["GET", "POST"])
@region_admin_required
def edit_event_type(type_id: int):
    event_type = event_types.editable_type(current_user.region, type_id)
    if event_type is None:
        abort(404)
    form = EventTypeForm()
    if request.method == "GET":
        form.fill_from(event_types.EventTypeInput.from_type(event_type))
    loose: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with unit_of_work(flash_others=False) as work:
                event_types.update_type(event_type, form.to_input(), by=current_user)
            if not work.ok:
                loose = form.apply_errors(work.error.errors)
            else:
                flash(_("De soort %(name)s is opgeslagen.", name=event_type.name_nl), "success")
                return redirect(url_for("region.event_types_page"))
        status = 400
    return render_template("region/event_type_form.html", event_type=event_type, form=form,
                           loose_errors=loose), status


@bp.get("/mail")
@region_admin_required
def mail_outbox():
    status_value = request.args.get("status", "")
    status = next((s for s in OutboxStatus if s.value == status_value), None)
    page = page_arg()
    return render_template(
        "region/mail_outbox.html",
        pagination=region_admin.outbox_page(current_user.region, status, page),
        counts=region_admin.outbox_counts(current_user.region),
        status=status,
        statuses=OutboxStatus,
        form=EmptyForm(),
    )


def _region_mail_or_404(message_id: int) -> OutboxMessage:
    row = region_admin.outbox_message(current_user.region, message_id)
    if row is None:
        abort(404)
    return row


@bp.get("/mail/<int:message_id>")
@region_admin_required
def mail_message(message_id: int):
    row = _region_mail_or_404(message_id)
    with write_transaction():  # who read the mail is recorded in the audit log
        view = region_admin.read_message(row, by=current_user)
    return render_template("region/mail_message.html", row=row, text=view.text,
                           attachments=view.attachments, form=EmptyForm())


@bp.post("/mail/<int:message_id>/opnieuw")
@region_admin_required
def retry_mail(message_id: int):
    row = _region_mail_or_404(message_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if row.status is OutboxStatus.SENT:
        flash(_("Dit bericht is al verzonden."), "info")
    else:
        with unit_of_work():
            outbox.retry_message(row)
        flash(_("Het bericht staat weer in de wachtrij."), "success")
    return redirect(url_for("region.mail_message", message_id=row.id))


@bp.get("/audit")
@region_admin_required
def audit_log():
    page = page_arg()
    return render_template("region/audit_log.html",
                           pagination=region_admin.audit_page(current_user.region, page))
