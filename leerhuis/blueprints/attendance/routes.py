"""Attendance: the presentie sheet and closing it, self check-in, the presentielijst, and the
provider's SKJ points export (who attended every session)."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.access import managed_event
from leerhuis.blueprints.attendance.forms import CheckinForm
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import configured_limit, db, limiter, write_transaction
from leerhuis.models import (
    AttendanceState,
    CertificateRun,
    EventSession,
)
from leerhuis.services import (
    attendance,
    audit,
    certificates,
    presence_list,
    programme,
    skj,
    visibility,
)

bp = Blueprint("attendance", __name__)


_MARK_FIELD = re.compile(r"mark-(\d{1,10})-(\d{1,10})")


def _mark_field(name: str) -> tuple[int, int]:
    """``mark-<registration id>-<session id>``, as the sheet names its fields; anything else
    is not a form this page made."""
    found = _MARK_FIELD.fullmatch(name)
    if found is None:
        abort(400, description=_("De presentielijst bevat een onbekend veld. Laad de pagina "
                                 "opnieuw en probeer het nog eens."))
    return int(found.group(1)), int(found.group(2))


@bp.route("/activiteiten/<int:event_id>/presentie", methods=["GET", "POST"])
@login_required
def attendance_sheet(event_id: int):
    event = managed_event(event_id)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        registrations = {r.id: r for r in attendance.confirmed_registrations(event)}
        sessions = {s.id: s for s in event.sessions}
        with unit_of_work() as work:
            if "all_present" in request.form:
                session = sessions.get(request.form.get("all_present", type=int)) or abort(400)
                count = attendance.mark_all_present(session, by=current_user)
            else:
                for key, value in request.form.items():
                    if not key.startswith("mark-"):
                        continue
                    registration_id, session_id = _mark_field(key)
                    registration = registrations.get(registration_id)
                    session = sessions.get(session_id)
                    if registration is None or session is None or not value:
                        continue
                    state = next((s for s in AttendanceState if s.value == value), None)
                    if state is None:
                        abort(400, description=_("Kies aanwezig, afwezig of afgemeld."))
                    attendance.mark(registration, session, state, by=current_user)
        if work.ok:
            flash(_("%(n)d deelnemers op aanwezig gezet.", n=count) if "all_present" in request.form
                  else _("De presentie is opgeslagen."), "success")
        return redirect(url_for("attendance.attendance_sheet", event_id=event.id))
    if any(not session.checkin_code for session in event.sessions):
        with write_transaction():  # once per session: the code people check in with
            for session in event.sessions:
                attendance.ensure_checkin_code(session)
    runs = db.session.scalars(db.select(CertificateRun).where(CertificateRun.event_id == event.id)
                              .order_by(CertificateRun.id.desc())).all()
    registrations = attendance.confirmed_registrations(event)
    history = attendance.history(event)[:50]
    return render_template(
        "attendance/sheet.html", event=event, registrations=registrations,
        views=visibility.participant_views(event, registrations, current_user),
        marks=attendance.marks_for(event), states=list(AttendanceState), history=history,
        actors=visibility.actor_names(event, (c.changed_by for c in history), current_user),
        eligible=(len(certificates.eligible_registrations(event))
                  if event.attendance_closed_at else 0),
        runs=runs, form=EmptyForm())


@bp.post("/activiteiten/<int:event_id>/presentie/afsluiten")
@login_required
def close_attendance(event_id: int):
    event = managed_event(event_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        attendance.close_attendance(event, by=current_user)
    if work.ok:
        flash(_("De presentie is afgesloten. Je kunt nu de bewijzen van deelname uitgeven."),
              "success")
    return redirect(url_for("attendance.attendance_sheet", event_id=event.id))


@bp.get("/activiteiten/<int:event_id>/presentielijst/<int:session_id>.pdf")
@login_required
def presence_list_pdf(event_id: int, session_id: int):
    event = managed_event(event_id)
    session = db.get_or_404(EventSession, session_id)
    if session.event_id != event.id:
        abort(404)
    content = presence_list.render(event, session, current_user)
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="presentielijst-{event.id}-{session.id}.pdf"'})


def _checkin_key() -> str:
    # Per person and session (each session has its own code): one guesser cannot lock
    # out a room, and a shared wifi address is not a shared count.
    return f"checkin:{current_user.get_id()}:{request.view_args['session_id']}"


@bp.route("/inchecken/<int:session_id>", methods=["GET", "POST"])
@login_required
# Only refused attempts count (a wrong code is a 400): the code has six characters, and
# without a limit a participant could try them all from home.
@limiter.limit(configured_limit("checkin"), methods=["POST"], key_func=_checkin_key,
               deduct_when=lambda response: response.status_code == 400,
               error_message=lambda: _("Je hebt te vaak een verkeerde code ingevuld. Wacht een "
                                       "kwartier en probeer het dan opnieuw, of vraag de "
                                       "organisator je aanwezigheid te registreren."))
def checkin(session_id: int):
    session = db.get_or_404(EventSession, session_id)
    if not programme.can_view(current_user, session.event):
        abort(404)
    form = CheckinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:12]
    if form.validate_on_submit():
        with unit_of_work(form, field="code") as work:
            attendance.self_checkin(session, current_user, form.code.data)
        if work.ok:
            flash(_("Je bent ingecheckt. Welkom!"), "success")
            return redirect(url_for("programme.event_page", event_id=session.event_id))
    status = 400 if form.errors else 200
    return render_template("attendance/checkin.html", session=session, event=session.event,
                           form=form, window=attendance.checkin_window(session)), status


@bp.get("/activiteiten/<int:event_id>/skj-punten.csv")
@login_required
def provider_export(event_id: int):
    """For accredited trainings: who gets points in Mijn SKJ (present at every session)."""
    event = managed_event(event_id)
    if not event.is_accredited:
        abort(404)
    body, count = skj.provider_points_csv(event, current_user)
    with write_transaction():
        audit.record("export.skj_points", actor=current_user, subject=f"event:{event.id}",
                     rows=count)
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="skj-punten-{event.id}.csv"'})
