"""Certificates: issuing an event's in a background run, verifying one by its code,
downloading, revoking and reissuing it, and a participant's own certificates and SKJ
overview."""

from __future__ import annotations

import io
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

from leerhuis.blueprints.access import managed_event
from leerhuis.blueprints.certificates.forms import RevokeForm, SkjPeriodForm
from leerhuis.blueprints.forms_common import page_arg
from leerhuis.blueprints.region.forms import EmptyForm
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import configured_limit, db, limiter
from leerhuis.models import (
    Certificate,
    CertificateRun,
    CertificateStatus,
)
from leerhuis.services import (
    attendance,
    certificates,
    pdf,
    skj,
    visibility,
)

bp = Blueprint("certificates", __name__)


@bp.post("/activiteiten/<int:event_id>/bewijzen")
@login_required
def start_certificate_run(event_id: int):
    event = managed_event(event_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        run = certificates.start_run(event, by=current_user)
    if not work.ok:
        return redirect(url_for("attendance.attendance_sheet", event_id=event.id))
    return redirect(url_for("certificates.run_progress", run_id=run.id))


@bp.get("/bewijzen/uitgifte/<int:run_id>")
@login_required
def run_progress(run_id: int):
    run = db.get_or_404(CertificateRun, run_id)
    if not attendance.can_manage(current_user, run.event):
        abort(403)
    return render_template("certificates/run.html", run=run, event=run.event)


@bp.get("/certificaat/<code>")
@limiter.limit(configured_limit("verify"))
def verify(code: str):
    certificate = certificates.find_by_code(code)
    if certificate is None:
        abort(404)
    return render_template("certificates/verify.html", certificate=certificate)


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
    return render_template("certificates/manage_certificate.html", certificate=certificate,
                           form=form), 400 if form.errors else 200


@bp.get("/mijn-leerhuis/bewijzen")
@login_required
def my_certificates():
    pagination = certificates.page_for_user(current_user, page_arg())
    return render_template("certificates/my_certificates.html", pagination=pagination,
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
    return render_template("certificates/skj_overview.html", periods=skj.periods(current_user),
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
