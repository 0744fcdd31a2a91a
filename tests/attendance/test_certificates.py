"""Attendance and bewijzen van deelname: who gets one, what it says, verification."""

import base64
import hashlib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import qrcode
from conftest import (
    MIGRATIONS,
    ROOT,
    close_attendance,
    database_url_for,
    make_certificate,
    make_event,
    make_registration,
    make_test_config,
    make_user,
    mark_present,
)
from flask_migrate import upgrade
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select, update

from leerhuis import create_app, tasks
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceChange,
    AttendanceSource,
    AttendanceState,
    Certificate,
    CertificateRun,
    CertificateStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    Region,
    Registration,
    RegistrationStatus,
    RunStatus,
    User,
    utcnow,
)
from leerhuis.services import attendance, certificates, pdf
from leerhuis.services.certificates import runs

# A finished course of sessions of three net hours (half an hour's break on top).
COURSE = {"status": EventStatus.FINISHED, "sessions": 2, "days_from_now": -3, "break_minutes": 30,
          "summary": "Moeilijke gesprekken.",
          "learning_goals": "Je herkent dilemma's.\nJe voert een slechtnieuwsgesprek.",
          "trainer": "Trainer Gesprekstechnieken"}


def finished_course(region, provider, **overrides):
    return make_event(region, provider, **(COURSE | overrides))


def _text(pdf_bytes: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf_bytes)).pages)


@pytest.fixture
def accredited(region, provider):
    return finished_course(region, provider, accredited=True)


def test_a_bulk_run_issues_pdfs_with_every_required_field(accredited, deelnemer, organisator,
                                                          app, region):
    registration = make_registration(accredited, deelnemer)
    mark_present(registration, by=organisator)
    close_attendance(accredited, by=organisator)
    run = certificates.start_run(accredited, by=organisator)
    db.session.commit()
    certificates.process_run(run.id)
    (certificate,) = db.session.scalars(select(Certificate)).all()
    content = certificates.stored_path(certificate).read_bytes()
    assert hashlib.sha256(content).hexdigest() == certificate.sha256
    text = _text(content)
    reader = PdfReader(BytesIO(content))
    assert len(reader.pages) == 1
    for expected in ("Bewijs van deelname", deelnemer.full_name, "100234567",
                     accredited.title, "Training", "6 uur", accredited.organisation.name,
                     region.leerhuis_name, "Moeilijke gesprekken", "Je herkent dilemma",
                     "Trainer Gesprekstechnieken", "SKJ-geaccrediteerd", "SKJ-2026-0042",
                     "6 punten", certificate.code, f"/certificaat/{certificate.code}",
                     region.signatory_name, region.signatory_function):
        assert expected in text, expected
    assert reader.trailer["/Root"].get("/MarkInfo") is not None, "tagged PDF"
    assert "/Lang" in reader.trailer["/Root"]
    # The bundled fonts (the same look on every server), not whatever the system has.
    fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1]
             for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts == {"Leerhuis-Sans", "Leerhuis-Sans-Bold"}


def test_accredited_training_needs_every_session(accredited, deelnemer, organisator):
    registration = make_registration(accredited, deelnemer)
    attendance.mark(registration, accredited.sessions[0], AttendanceState.PRESENT, by=organisator)
    attendance.mark(registration, accredited.sessions[1], AttendanceState.ABSENT, by=organisator)
    assert certificates.parts_for(registration) == []
    close_attendance(accredited, by=organisator)
    with pytest.raises(certificates.CertificateError, match="niet"):
        certificates.issue_one(registration, by=organisator)


def test_other_activities_count_the_net_hours_attended(region, provider, deelnemer, organisator):
    event = finished_course(region, provider, type="spiegelbijeenkomst")
    registration = make_registration(event, deelnemer)
    attendance.mark(registration, event.sessions[0], AttendanceState.PRESENT, by=organisator)
    attendance.mark(registration, event.sessions[1], AttendanceState.ABSENT, by=organisator)
    close_attendance(event, by=organisator)
    certificate = certificates.issue_one(registration, by=organisator)
    assert certificate.net_hours == Decimal(3)
    assert "informeel leren" in _text(certificates.stored_path(certificate).read_bytes())


def test_a_werkbezoek_certificate_shows_the_coupled_case_discussion(region, provider, deelnemer,
                                                                    organisator):
    visit = finished_course(region, provider, type="werkbezoek", sessions=1)
    discussion = finished_course(region, provider, type="casuistiekbespreking", sessions=1)
    discussion.title = "Casuïstiekbespreking bij het werkbezoek"
    discussion.coupled_to = visit
    db.session.commit()
    for event in (visit, discussion):
        registration = make_registration(event, deelnemer)
        attendance.mark(registration, event.sessions[0], AttendanceState.PRESENT, by=organisator)
        close_attendance(event, by=organisator)
    assert certificates.eligible_registrations(discussion) == []  # it is on the visit's
    (visit_registration,) = certificates.eligible_registrations(visit)
    certificate = certificates.issue_one(visit_registration, by=organisator)
    text = _text(certificates.stored_path(certificate).read_bytes())
    assert "Werkbezoek" in text
    assert "Casuïstiekbespreking bij het werkbezoek" in text
    assert certificate.net_hours == Decimal(6)


def test_rerunning_a_bulk_run_creates_no_duplicates(accredited, organisator, region):
    people = [make_user(region, f"p{i}@example.org") for i in range(3)]
    for person in people:
        registration = make_registration(accredited, person)
        mark_present(registration, by=organisator)
    close_attendance(accredited, by=organisator)
    run = certificates.start_run(accredited, by=organisator)
    db.session.commit()
    certificates.process_run(run.id)
    # as if the worker died and the task is retried once its lease ran out
    run.status = RunStatus.RUNNING
    run.heartbeat_at = utcnow() - certificates.run_lease() - timedelta(seconds=1)
    db.session.commit()
    certificates.process_run(run.id)
    assert db.session.query(Certificate).count() == 3


def _present_people(event, organisator, region, count, prefix="p"):
    registrations = []
    for i in range(count):
        registration = make_registration(event, make_user(region, f"{prefix}{i}@example.org"))
        mark_present(registration, by=organisator)
        registrations.append(registration)
    close_attendance(event, by=organisator)
    return registrations


def test_a_run_whose_worker_died_is_resumed_by_the_periodic_task_with_one_certificate_each(
        accredited, organisator, region):
    registrations = _present_people(accredited, organisator, region, 3)
    run = certificates.start_run(accredited, by=organisator)
    db.session.commit()
    tasks.huey.flush()  # the worker took the queued run ...
    # ... and had issued the first certificate, then went silent.
    certificates.issue(registrations[:1], by=organisator, run=run)
    run.status, run.lease_token = RunStatus.RUNNING, "dood-werkproces"
    run.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()

    assert tasks.resume_stalled_certificate_runs.call_local() == [run.id]
    assert any(task.args == (run.id,) for task in tasks.huey.pending()
               if task.name.endswith("issue_certificates"))
    tasks.issue_certificates.call_local(run.id)  # what the consumer does with the queued task

    issued = db.session.scalars(select(Certificate.registration_id).where(
        Certificate.status == CertificateStatus.VALID)).all()
    assert sorted(issued) == sorted(r.id for r in registrations)
    db.session.refresh(run)
    assert run.status is RunStatus.DONE
    assert run.done == run.total == 3
    assert run.lease_token is None
    assert tasks.resume_stalled_certificate_runs.call_local() == []


def test_a_run_with_a_fresh_heartbeat_is_left_to_its_worker(accredited, organisator, region):
    _present_people(accredited, organisator, region, 2)
    run = certificates.start_run(accredited, by=organisator)
    run.status, run.lease_token, run.heartbeat_at = RunStatus.RUNNING, "levend", utcnow()
    db.session.commit()
    assert run.id not in tasks.resume_stalled_certificate_runs.call_local()
    certificates.process_run(run.id)  # a second worker, e.g. the task retried too early
    db.session.refresh(run)
    assert run.status is RunStatus.RUNNING
    assert run.lease_token == "levend"
    assert db.session.scalars(select(Certificate)).all() == []


def test_of_two_workers_claiming_a_run_at_once_exactly_one_gets_it(accredited, organisator,
                                                                   region):
    _present_people(accredited, organisator, region, 1)
    run = certificates.start_run(accredited, by=organisator)
    db.session.commit()
    leases = [certificates.claim_run(run.id), certificates.claim_run(run.id)]
    assert leases[0] is not None
    assert leases[1] is None
    later = utcnow() + certificates.run_lease() + timedelta(seconds=1)
    assert certificates.claim_run(run.id, now=later) not in (None, leases[0])


def test_a_failing_run_records_failed_and_a_retry_finishes_it(
        accredited, organisator, region, app, tmp_path, monkeypatch):
    _present_people(accredited, organisator, region, 2)
    run = certificates.start_run(accredited, by=organisator)
    db.session.commit()
    blocked = tmp_path / "geen-map"
    blocked.write_text("een bestand waar de map had moeten staan")
    monkeypatch.setitem(app.config, "CERTIFICATE_DIR", str(blocked))
    with pytest.raises(OSError):  # noqa: PT011 - FileExistsError or NotADirectoryError, by path
        certificates.process_run(run.id)
    db.session.refresh(run)
    assert run.status is RunStatus.FAILED
    assert "Error" in run.error
    assert run.lease_token is None
    assert run.heartbeat_at is None
    assert db.session.scalars(select(Certificate)).all() == []

    monkeypatch.setitem(app.config, "CERTIFICATE_DIR", str(tmp_path / "bewijzen"))
    certificates.process_run(run.id)  # the task's retry
    assert run.status is RunStatus.DONE
    assert run.done == 2


def test_pdfs_no_certificate_records_are_removed_once_old(accredited, organisator, region, app,
                                                        tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_DIR", str(tmp_path))
    (registration,) = _present_people(accredited, organisator, region, 1)
    recorded = certificates.issue_one(registration, by=organisator)
    db.session.commit()
    year = recorded.file_name.split("/")[0]
    orphan = tmp_path / year / "ORPH-AN00-0001.pdf"
    half_written = tmp_path / year / "ORPH-AN00-0002.tmp"
    recent = tmp_path / year / "ORPH-AN00-0003.pdf"  # a live run may be about to record it
    for path in (orphan, half_written, recent):
        path.write_bytes(b"%PDF-1.7")
    old = (utcnow() - certificates.ORPHAN_AGE - timedelta(minutes=1)).timestamp()
    for path in (orphan, half_written, certificates.stored_path(recorded)):
        os.utime(path, (old, old))

    assert tasks.remove_orphan_certificate_files.call_local() == [
        f"{year}/ORPH-AN00-0001.pdf", f"{year}/ORPH-AN00-0002.tmp"]
    assert not orphan.exists()
    assert not half_written.exists()
    assert recent.exists()
    assert certificates.stored_path(recorded).exists()


def test_a_run_renders_the_next_batch_while_recording_one_and_skips_who_is_no_longer_due(
        accredited, organisator, region, app, monkeypatch):
    """Several batches through the layout processes (one page per process). While the run is
    busy one person gets a certificate on their own and another cancels: neither gets one
    from the run, and everyone else gets their own PDF."""
    monkeypatch.setitem(app.config, "CERTIFICATE_BATCH_SIZE", 2)  # batches of 1, 2, 1, 1
    monkeypatch.setattr(pdf, "MIN_PARALLEL_PAGES", 1)
    monkeypatch.setitem(app.config, "PDF_WORKERS", 2)
    people = [make_user(region, f"batch{i}@example.org") for i in range(5)]
    registrations = []
    for person in people:
        registration = make_registration(accredited, person)
        mark_present(registration, by=organisator)
        registrations.append(registration)
    close_attendance(accredited, by=organisator)
    run = certificates.start_run(accredited, by=organisator)
    db.session.commit()

    record, meanwhile = runs.record_batch, []

    def record_after_changes_meanwhile(batch, **kwargs):
        if not meanwhile:  # while the first batch is recorded
            meanwhile.append(None)
            # the first of the two-person batch gets one alone, the fourth person cancels
            meanwhile[0] = certificates.issue_one(registrations[1], by=organisator)
            registrations[3].status = RegistrationStatus.CANCELLED
        return record(batch, **kwargs)

    monkeypatch.setattr(runs, "record_batch", record_after_changes_meanwhile)
    before = set(multiprocessing.active_children())
    certificates.process_run(run.id)
    assert set(multiprocessing.active_children()) == before  # the layout processes ended

    issued = db.session.scalars(select(Certificate).order_by(Certificate.registration_id)).all()
    assert [c.registration_id for c in issued] == [registrations[i].id for i in (0, 1, 2, 4)]
    assert [c.run_id for c in issued] == [run.id, None, run.id, run.id]
    assert run.done == run.total == 3
    for certificate, person in zip(issued, [people[i] for i in (0, 1, 2, 4)], strict=True):
        content = certificates.stored_path(certificate).read_bytes()
        text = _text(content)
        assert person.full_name in text
        assert certificate.code in text
        assert len(PdfReader(BytesIO(content)).pages) == 1


def test_a_dead_layout_process_does_not_break_later_runs():
    """A layout process that dies (out of memory, a crash in a C library) breaks its pool
    for good; the next render starts a new pool instead of failing every run after."""
    before = set(multiprocessing.active_children())
    with pdf.layout_processes(2):
        pdf.warm_pool()
        layout = sorted(set(multiprocessing.active_children()) - before, key=lambda p: p.pid)
        assert len(layout) == 2
        os.kill(layout[0].pid, signal.SIGKILL)
        layout[0].join(10)
        html = ('<html lang="nl"><title>t</title><p>Bewijs van deelname</p></html>')
        assert [len(pdfs) for pdfs in pdf.start_pdfs_many([[html], [html]])()] == [1, 1]
    assert set(multiprocessing.active_children()) == before


@pytest.mark.parametrize("people", [0, 1, 50, 82, 83, 200, 1001])
def test_a_run_goes_in_batches_of_at_most_the_batch_size_with_short_first_and_last(people):
    queue = list(range(people))
    batches = runs._batches(queue, 50)
    assert [n for batch in batches for n in batch] == queue
    assert all(0 < len(batch) <= 50 for batch in batches)
    if len(batches) > 2:
        edge = 50 // 3
        assert len(batches[0]) == len(batches[-1]) == edge
        assert min(len(batch) for batch in batches[1:-1]) > edge


def test_verification_page_shows_valid_then_revoked_and_404_for_unknown(
        accredited, deelnemer, organisator, client):
    registration = make_registration(accredited, deelnemer)
    mark_present(registration, by=organisator)
    close_attendance(accredited, by=organisator)
    certificate = certificates.issue_one(registration, by=organisator)
    db.session.commit()
    page = client.get(f"/certificaat/{certificate.code}")
    assert page.status_code == 200
    assert "Geldig." in page.text
    assert deelnemer.full_name in page.text
    assert "100234567" not in page.text
    with pytest.raises(certificates.CertificateError,
                       match=re.escape("Geef een reden voor het intrekken.")):
        certificates.revoke(certificate, by=organisator, reason=" ")
    certificates.revoke(certificate, by=organisator, reason="Verkeerde naam")
    db.session.commit()
    assert "Ingetrokken." in client.get(f"/certificaat/{certificate.code}").text
    assert client.get("/certificaat/AAAA-BBBB-CCCC").status_code == 404
    missing = client.get("/certificaat/niet-geldig!")
    assert missing.status_code == 404
    assert "Pagina niet gevonden" in missing.text


def test_reissue_revokes_the_old_and_links_the_new(accredited, deelnemer, organisator):
    registration = make_registration(accredited, deelnemer)
    mark_present(registration, by=organisator)
    close_attendance(accredited, by=organisator)
    old = certificates.issue_one(registration, by=organisator)
    new = certificates.reissue(old, by=organisator, reason="Naam gecorrigeerd")
    assert old.status is CertificateStatus.REVOKED
    assert new.replaces_id == old.id
    assert new.status is CertificateStatus.VALID
    assert new.code != old.code


def test_self_checkin_only_in_the_window_and_with_the_right_code(region, provider, deelnemer):
    event = finished_course(region, provider, days_from_now=1, sessions=1)
    event.status = EventStatus.PUBLISHED
    registration = make_registration(event, deelnemer)
    session = event.sessions[0]
    code = attendance.ensure_checkin_code(session)
    with pytest.raises(attendance.AttendanceError, match="half uur"):
        attendance.self_checkin(
            session, deelnemer, code, now=session.starts_at - timedelta(hours=1)
        )
    with pytest.raises(attendance.AttendanceError, match="code klopt niet"):
        attendance.self_checkin(session, deelnemer, "ZZZZZZ", now=session.starts_at)
    with pytest.raises(attendance.AttendanceError, match="afgelopen"):
        attendance.self_checkin(
            session, deelnemer, code, now=session.ends_at + timedelta(minutes=1)
        )
    mark = attendance.self_checkin(session, deelnemer, code.lower(),
                                   now=session.starts_at - timedelta(minutes=20))
    assert mark.state is AttendanceState.PRESENT
    change = db.session.scalars(select(AttendanceChange)).one()
    assert change.changed_by_id == deelnemer.id
    assert change.new_state is AttendanceState.PRESENT
    assert registration.id == mark.registration_id


def test_every_attendance_change_is_recorded_with_who(accredited, deelnemer, organisator):
    registration = make_registration(accredited, deelnemer)
    session = accredited.sessions[0]
    attendance.mark(registration, session, AttendanceState.ABSENT, by=organisator)
    attendance.mark(registration, session, AttendanceState.PRESENT, by=organisator)
    changes = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id)).all()
    assert [(c.old_state, c.new_state) for c in changes] == [
        (None, AttendanceState.ABSENT), (AttendanceState.ABSENT, AttendanceState.PRESENT)]
    assert {c.changed_by_id for c in changes} == {organisator.id}


def test_the_presence_list_pdf_lists_participants_with_a_signature_column(
        accredited, deelnemer, as_organisator):
    registration = make_registration(accredited, deelnemer)
    registration.consent_share_name = True
    db.session.commit()
    session = accredited.sessions[0]
    response = as_organisator.get(f"/activiteiten/{accredited.id}/presentielijst/{session.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = _text(response.data)
    for expected in ("Presentielijst", deelnemer.full_name, "Handtekening",
                     deelnemer.organisation.name):
        assert expected in text
    # The SKJ number goes to the provider in the SKJ-points export only.
    assert "100234567" not in text


def test_attendance_sheet_all_present_and_close_through_http(accredited, deelnemer, organisator,
                                                              as_organisator, other_organisator,
                                                              client, auth):
    make_registration(accredited, deelnemer)
    url = f"/activiteiten/{accredited.id}/presentie"
    assert as_organisator.get(url).status_code == 200
    as_organisator.post(url, data={"all_present": str(accredited.sessions[0].id)})
    as_organisator.post(url, data={"all_present": str(accredited.sessions[1].id)})
    as_organisator.post(f"{url}/afsluiten")
    db.session.expire_all()
    assert accredited.attendance_closed_at is not None
    assert len(certificates.eligible_registrations(accredited)) == 1
    auth.logout()
    auth.login(other_organisator)
    assert client.get(url).status_code == 403


def _coupled_pair(region, provider):
    visit = finished_course(region, provider, type="werkbezoek", sessions=1)
    discussion = finished_course(region, provider, type="casuistiekbespreking", sessions=1)
    discussion.title = "Casuïstiekbespreking bij het werkbezoek"
    discussion.coupled_to = visit
    db.session.commit()
    return visit, discussion


def test_a_discussion_marked_after_the_visit_certificate_gets_its_own_certificate(
        region, provider, deelnemer, organisator):
    visit, discussion = _coupled_pair(region, provider)
    visit_registration = make_registration(visit, deelnemer)
    attendance.mark(visit_registration, visit.sessions[0], AttendanceState.PRESENT, by=organisator)
    close_attendance(visit, by=organisator)
    visit_certificate = certificates.issue_one(visit_registration, by=organisator)
    assert visit_certificate.coupled_event_id is None
    assert visit_certificate.net_hours == 3

    # The discussion's attendance is recorded and closed only afterwards.
    case_registration = make_registration(discussion, deelnemer)
    attendance.mark(case_registration, discussion.sessions[0], AttendanceState.PRESENT,
                    by=organisator)
    close_attendance(discussion, by=organisator)
    assert certificates.eligible_registrations(discussion) == [case_registration]
    own = certificates.issue_one(case_registration, by=organisator)
    assert own.event_id == discussion.id
    assert own.id != visit_certificate.id
    assert "Casuïstiekbespreking bij het werkbezoek" in _text(
        certificates.stored_path(own).read_bytes())

    # Re-issuing the visit's certificate does not put the discussion on it a second time.
    again = certificates.reissue(visit_certificate, by=organisator, reason="Naam gecorrigeerd")
    assert again.coupled_event_id is None
    assert again.net_hours == 3
    assert "Casuïstiekbespreking" not in _text(certificates.stored_path(again).read_bytes())


def test_issue_one_gives_no_separate_certificate_for_a_discussion_on_the_visit_certificate(
        region, provider, deelnemer, organisator):
    visit, discussion = _coupled_pair(region, provider)
    for event in (visit, discussion):
        registration = make_registration(event, deelnemer)
        attendance.mark(registration, event.sessions[0], AttendanceState.PRESENT, by=organisator)
        close_attendance(event, by=organisator)
    visit_registration, case_registration = db.session.scalars(
        select(Registration).order_by(Registration.id)).all()
    visit_certificate = certificates.issue_one(visit_registration, by=organisator)
    assert visit_certificate.coupled_event_id == discussion.id

    assert certificates.issue_one(case_registration, by=organisator) == visit_certificate
    assert certificates.eligible_registrations(discussion) == []
    assert db.session.scalars(select(Certificate)).all() == [visit_certificate]


def test_the_participant_gets_a_mail_with_the_verification_link_and_the_pdf_attached(
        accredited, deelnemer, organisator, smtp, deliver_mail):
    registration = make_registration(accredited, deelnemer)
    mark_present(registration, by=organisator)
    close_attendance(accredited, by=organisator)
    certificate = certificates.issue_one(registration, by=organisator)
    db.session.commit()
    assert deliver_mail()["sent"] == 1
    (mail,) = smtp.to(deelnemer.email)
    assert "Je bewijs van deelname" in mail.subject
    assert accredited.title in mail.subject
    link = f"http://leerhuis.test/certificaat/{certificate.code}"
    assert link in mail.text()
    assert certificate.code in mail.text()
    (attachment,) = list(mail.message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"bewijs-van-deelname-{certificate.code}.pdf"
    content = attachment.get_content()
    assert content == certificates.stored_path(certificate).read_bytes()
    assert deelnemer.full_name in _text(content)


def test_the_qr_code_image_holds_exactly_the_modules_of_the_verification_url():
    url = "https://leerhuis.test/bewijs/ABCD-EFGH-JKLM"
    image = Image.open(BytesIO(base64.b64decode(certificates.qr_data_uri(url).split(",", 1)[1])))
    expected = qrcode.QRCode(border=2, box_size=1,
                             error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
    expected.add_data(url)
    matrix = expected.get_matrix()
    assert image.size == (len(matrix), len(matrix))
    pixels = image.convert("L").load()
    assert all((pixels[x, y] == 0) == dark
               for y, row in enumerate(matrix) for x, dark in enumerate(row))


# --- Pages: my certificates, the attendance sheet ----------------------------------------


def test_my_certificates_are_paginated_newest_first(as_deelnemer, deelnemer):
    for day in range(1, 28):
        make_certificate(deelnemer, f"Activiteit {day:02d}", day)
    db.session.commit()
    first = as_deelnemer.get("/mijn-leerhuis/bewijzen").get_data(as_text=True)
    assert "Activiteit 01" in first
    assert "Activiteit 25" in first
    assert "Activiteit 26" not in first
    assert 'href="/mijn-leerhuis/bewijzen?page=2"' in first
    second = as_deelnemer.get("/mijn-leerhuis/bewijzen?page=2").get_data(as_text=True)
    assert "Activiteit 26" in second
    assert "Activiteit 27" in second
    assert "Activiteit 01" not in second
    assert 'aria-current="page" href="/mijn-leerhuis/bewijzen?page=2"' in second


def test_the_attendance_sheet_prints_without_its_controls(as_organisator, region, provider):
    event = make_event(region, provider, title="Presentie training", published_at=utcnow())
    db.session.commit()
    page = as_organisator.get(f"/activiteiten/{event.id}/presentie").get_data(as_text=True)
    assert '<div class="no-print">\n<h2>Afsluiten en bewijzen uitgeven</h2>' in page
    assert 'class="print-only"' in page
    css = (ROOT / "leerhuis" / "static" / "css" / "leerhuis.css").read_text()
    printed = css[css.index("@media print"):]
    for rule in (".no-print", ".site-header", "form button", "table-header-group",
                 "break-inside: avoid", ".print-only { display: block"):
        assert rule in printed, rule


# --- A bulk run survives its worker ------------------------------------------------------


# Many small batches: the test kills the worker after its second batch, and a run of 60
# batches leaves it no chance to finish first, however the machine schedules the two.
PEOPLE = 120


@pytest.mark.no_rollback
def test_a_worker_killed_in_a_bulk_run_resumes_without_duplicates(tmp_path):
    url = database_url_for(tmp_path, "killed")
    config = make_test_config(url, tmp_path)
    app = create_app(config)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="r", name="R", leerhuis_name="Leerhuis R")
        organisation = Organisation(name="O", type=OrganisationType.ZORGAANBIEDER, region=region)
        start = utcnow() - timedelta(days=2)
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        event = Event(region=region, type=training, organisation=organisation,
                      programme_year=start.year, status=EventStatus.FINISHED, title="T",
                      address="A", city="B", attendance_closed_at=utcnow())
        event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                       net_hours=Decimal(2))]
        db.session.add(event)
        people = [User(email=f"k{i}@example.org", password_hash="x", first_name="K",
                       last_name=str(i), region=region, session_nonce="n") for i in range(PEOPLE)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            Attendance(registration=Registration(event=event, user=person,
                                                 status=RegistrationStatus.CONFIRMED),
                       session=event.sessions[0], state=AttendanceState.PRESENT,
                       source=AttendanceSource.ORGANISER)
            for person in people)
        run = certificates.start_run(event, by=people[0])
        db.session.commit()
        run_id = run.id

        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CERTIFICATE_BATCH_SIZE": "2",
            "CERTIFICATE_DIR": config["CERTIFICATE_DIR"],
            "MAIL_FILE_DIR": config["MAIL_FILE_DIR"],
            "SECRET_KEY": config["SECRET_KEY"],
            "LEERHUIS_HUEY": "memory",
            "PDF_WORKERS": "1",
        }
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "leerhuis",
                                   "issue-certificates", str(run_id)],
                                  cwd=Path(MIGRATIONS).parent, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        def count() -> int:
            return db.session.scalar(select(func.count()).select_from(Certificate))

        deadline = time.monotonic() + 60
        while count() < 4 and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        db.session.rollback()
        interrupted_at = count()
        assert 4 <= interrupted_at < PEOPLE, "the worker must die in the middle of the run"

        # The dead worker's lease still looks alive; once it runs out, the run is resumed.
        assert certificates.stalled_run_ids() == []
        certificates.process_run(run_id)
        assert count() == interrupted_at  # left to the worker that seemed alive
        later = utcnow() + certificates.run_lease() + timedelta(seconds=1)
        assert certificates.stalled_run_ids(now=later) == [run_id]
        db.session.execute(update(CertificateRun).where(CertificateRun.id == run_id)
                           .values(heartbeat_at=utcnow() - certificates.run_lease() * 2))
        db.session.commit()
        run = certificates.process_run(run_id)
        assert run.status is RunStatus.DONE
        rows = db.session.execute(select(Certificate.registration_id)).scalars().all()
        assert len(rows) == PEOPLE == len(set(rows))
        # A PDF the killed worker wrote but never recorded goes once it is old enough.
        store = Path(config["CERTIFICATE_DIR"])
        certificates.remove_orphan_files(now=utcnow() + certificates.ORPHAN_AGE * 2)
        stored = {p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()}
        assert stored == set(db.session.scalars(select(Certificate.file_name)))
        db.session.remove()
        db.engine.dispose()
