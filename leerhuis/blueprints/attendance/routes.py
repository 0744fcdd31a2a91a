"""Attendance (presentie, self check-in, presentielijst) and certificates (issue, verify)."""

from __future__ import annotations

import io
import re
import zipfile

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from leerhuis.blueprints.attendance.forms import CheckinForm, RevokeForm, SkjPeriodForm
from leerhuis.blueprints.forms_common import page_arg
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import configured_limit, db, limiter, write_transaction
from leerhuis.models import (
    AttendanceState,
    Certificate,
    CertificateRun,
    CertificateStatus,
    Event,
    EventSession,
)
from leerhuis.services import (
    attendance,
    audit,
    certificates,
    pdf,
    presence_list,
    programme,
    skj,
    visibility,
)

bp = Blueprint("certificates", __name__)


def _managed_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not attendance.can_manage(current_user, event):
        abort(403)
    return event


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
    event = _managed_event(event_id)
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
        return redirect(url_for("certificates.attendance_sheet", event_id=event.id))
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
    event = _managed_event(event_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        attendance.close_attendance(event, by=current_user)
    if work.ok:
        flash(_("De presentie is afgesloten. Je kunt nu de bewijzen van deelname uitgeven."),
              "success")
    return redirect(url_for("certificates.attendance_sheet", event_id=event.id))


@bp.get("/activiteiten/<int:event_id>/presentielijst/<int:session_id>.pdf")
@login_required
def presence_list_pdf(event_id: int, session_id: int):
    event = _managed_event(event_id)
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


@bp.post("/activiteiten/<int:event_id>/bewijzen")
@login_required
def start_certificate_run(event_id: int):
    event = _managed_event(event_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        run = certificates.start_run(event, by=current_user)
    if not work.ok:
        return redirect(url_for("certificates.attendance_sheet", event_id=event.id))
    return redirect(url_for("certificates.run_progress", run_id=run.id))


@bp.get("/bewijzen/uitgifte/<int:run_id>")
@login_required
def run_progress(run_id: int):
    run = db.get_or_404(CertificateRun, run_id)
    if not attendance.can_manage(current_user, run.event):
        abort(403)
    return render_template("attendance/run.html", run=run, event=run.event)


@bp.get("/certificaat/<code>")
@limiter.limit(configured_limit("verify"))
def verify(code: str):
    certificate = certificates.find_by_code(code)
    if certificate is None:
        abort(404)
    return render_template("attendance/verify.html", certificate=certificate)


def _viewable_certificate(code: str) -> Certificate:
    certificate = certificates.find_by_code(code)
    if certificate is None:
        abort(404)
    if not visibility.may_open_certificate(certificate.registration, certificate.user_id,
                                           current_user):
        abort(403)
    return certificate


@bp.get("/certificaat/<code>/pdf")
@login_required
def download(code: str):
    certificate = _viewable_certificate(code)
    path = certificates.stored_path(certificate)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"bewijs-van-deelname-{certificate.code}.pdf",
                     etag=certificate.sha256)


@bp.route("/certificaat/<code>/beheer", methods=["GET", "POST"])
@login_required
def manage(code: str):
    certificate = _viewable_certificate(code)
    if certificate.event is None or not attendance.can_manage(current_user, certificate.event):
        abort(403)
    form = RevokeForm()
    if form.validate_on_submit():
        reissue = request.form.get("action") == "reissue"
        with unit_of_work(form, field="reason") as work:
            if reissue:
                certificate = certificates.reissue(certificate, by=current_user,
                                                   reason=form.reason.data)
            else:
                certificates.revoke(certificate, by=current_user, reason=form.reason.data)
        if work.ok:
            flash(_("Het bewijs is opnieuw uitgegeven.") if reissue
                  else _("Het bewijs is ingetrokken."), "success")
            return redirect(url_for("certificates.manage", code=certificate.code))
    return render_template("attendance/manage_certificate.html", certificate=certificate,
                           form=form), 400 if form.errors else 200


@bp.get("/mijn-leerhuis/bewijzen")
@login_required
def my_certificates():
    pagination = certificates.page_for_user(current_user, page_arg())
    return render_template("attendance/my_certificates.html", pagination=pagination,
                           certificates=pagination.items, statuses=CertificateStatus)


@bp.route("/mijn-leerhuis/skj", methods=["GET", "POST"])
@login_required
def skj_overview():
    form = SkjPeriodForm(data={"start": current_user.skj_period_start})
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with unit_of_work(form, field="start") as work:
                skj.set_period_start(current_user, form.start.data)
            if work.ok:
                flash(_("Het begin van je registratieperiode is opgeslagen."), "success")
                return redirect(url_for("certificates.skj_overview"))
        status = 400
    return render_template("attendance/skj_overview.html", periods=skj.periods(current_user),
                           categories=skj.CATEGORY_LABELS, form=form), status


@bp.get("/mijn-leerhuis/skj.csv")
@login_required
def skj_overview_csv():
    body = skj.as_csv(current_user, skj.periods(current_user))
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="skj-overzicht.csv"'})


@bp.get("/mijn-leerhuis/skj.pdf")
@login_required
def skj_overview_pdf():
    data = skj.pdf_data(current_user, skj.periods(current_user))
    content = pdf.write_pdf(pdf.render_html("skj_overview.html", data))
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="skj-overzicht.pdf"'})


@bp.get("/mijn-leerhuis/bewijzen.zip")
@login_required
def my_certificates_zip():
    rows = db.session.scalars(db.select(Certificate).where(
        Certificate.user_id == current_user.id,
        Certificate.status == CertificateStatus.VALID)).all()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in rows:
            path = certificates.stored_path(certificate)
            if path.is_file():
                archive.write(path, f"{certificate.first_date:%Y-%m-%d}-{certificate.code}.pdf")
    return Response(buffer.getvalue(), mimetype="application/zip", headers={
        "Content-Disposition": 'attachment; filename="bewijzen-van-deelname.zip"'})


@bp.get("/activiteiten/<int:event_id>/skj-punten.csv")
@login_required
def provider_export(event_id: int):
    """For accredited trainings: who gets points in Mijn SKJ (present at every session)."""
    event = _managed_event(event_id)
    if not event.is_accredited:
        abort(404)
    body, count = skj.provider_points_csv(event, current_user)
    with write_transaction():
        audit.record("export.skj_points", actor=current_user, subject=f"event:{event.id}",
                     rows=count)
    return Response("\ufeff" + body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="skj-punten-{event.id}.csv"'})
