"""Bewijzen van deelname: who gets one, what it says, issuing (one or in bulk), storing,
verification and revocation.

Rules enforced here (domain brief §3):
- only participants recorded as present get one; for accredited activities they must
  have attended every session, for other activities the certificate states the net
  hours of the sessions they attended;
- a werkbezoek's certificate also shows its coupled casuïstiekbespreking when the
  participant attended that too (it records which discussion it covers). A discussion is on
  exactly one certificate: if the visit's certificate was issued before the discussion's
  attendance was known, the discussion gets its own certificate, and a visit certificate
  never repeats a discussion that already has one;
- the statement says how the activity counts for SKJ: accredited (number, points) or
  to be entered as informeel leren / vrije ruimte (or reflectie for intervisie);
- each certificate has a unique code, a verification URL and QR code; the PDF is stored
  as issued with its SHA-256 and served from storage, never re-rendered;
- revocation needs a reason and is visible on the verification page; re-issue revokes
  the old one and points the new one at it;
- one valid certificate per registration (a partial unique index guards it).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import logging
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import qrcode
from flask import current_app
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from leerhuis import background
from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.formatting import format_period
from leerhuis.models import (
    Attendance,
    AttendanceState,
    Certificate,
    CertificateRun,
    CertificateStatus,
    Event,
    EventSession,
    Registration,
    RegistrationStatus,
    RunStatus,
    SkjCategory,
    User,
    utcnow,
)
from leerhuis.services import audit, outbox, pdf
from leerhuis.services.links import external_url

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CertificateError(DomainError):
    """Issuing, revoking or reissuing a bewijs van deelname is refused."""


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str | None:
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(cleaned) != 12 or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"


# --- Eligibility ---------------------------------------------------------------------------

@dataclass
class Part:
    """One activity on a certificate (the werkbezoek, or its coupled discussion)."""

    event: Event
    sessions: list[EventSession]

    @property
    def hours(self) -> Decimal:
        return sum((s.net_hours for s in self.sessions), Decimal(0))


def present_sessions(registration: Registration) -> list[EventSession]:
    return present_sessions_by_registration(registration.event_id).get(registration.id, [])


def present_sessions_by_registration(event_id: int) -> dict[int, list[EventSession]]:
    """Every present session of an event's registrations, in one query (bulk runs)."""
    rows = db.session.execute(
        select(Attendance.registration_id, EventSession)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(EventSession.event_id == event_id, Attendance.state == AttendanceState.PRESENT)
        .order_by(EventSession.starts_at)).all()
    result: dict[int, list[EventSession]] = {}
    for registration_id, session in rows:
        result.setdefault(registration_id, []).append(session)
    return result


class _Presence:
    """Present sessions of an event and of its coupled discussion, loaded once."""

    def __init__(self, event: Event):
        self.event = event
        self.own = present_sessions_by_registration(event.id)
        discussion = event.coupled_discussion
        self.discussion = discussion
        self.discussion_by_user: dict[int, list[EventSession]] = {}
        if discussion is not None:
            by_registration = present_sessions_by_registration(discussion.id)
            # Whoever already has a certificate of the discussion itself keeps it there.
            own_certificate = select(Certificate.registration_id).where(
                Certificate.event_id == discussion.id,
                Certificate.status == CertificateStatus.VALID,
                Certificate.registration_id.is_not(None))
            for registration_id, user_id in db.session.execute(
                    select(Registration.id, Registration.user_id)
                    .where(Registration.event_id == discussion.id,
                           Registration.id.not_in(own_certificate))):
                if user_id is not None and registration_id in by_registration:
                    self.discussion_by_user[user_id] = by_registration[registration_id]

    def parts(self, registration: Registration) -> list[Part]:
        event = self.event
        if registration.status is not RegistrationStatus.CONFIRMED or not event.issues_certificate:
            return []
        attended = self.own.get(registration.id, [])
        if not attended:
            return []
        if event.is_accredited and len(attended) < len(event.sessions):
            return []  # accredited: the whole programme, or nothing
        parts = [Part(event, attended)]
        if self.discussion is not None and registration.user_id in self.discussion_by_user:
            parts.append(Part(self.discussion, self.discussion_by_user[registration.user_id]))
        return parts


def parts_for(registration: Registration) -> list[Part]:
    """What the certificate covers; empty when the person is not entitled to one."""
    return _Presence(registration.event).parts(registration)


def covering_visit_certificate(registration: Registration) -> Certificate | None:
    """The valid werkbezoek certificate that already shows this coupled discussion."""
    visit = registration.event.coupled_to
    if visit is None or registration.user_id is None:
        return None
    return db.session.scalars(select(Certificate).where(
        Certificate.event_id == visit.id, Certificate.user_id == registration.user_id,
        Certificate.status == CertificateStatus.VALID,
        Certificate.coupled_event_id == registration.event_id)).first()


def _covered_by_werkbezoek(registration: Registration) -> bool:
    """A coupled discussion is left to the visit's certificate when that certificate shows
    it, or when the visit's certificate is still to come (it will show it). A visit
    certificate issued without the discussion leaves the discussion its own certificate."""
    if covering_visit_certificate(registration) is not None:
        return True
    visit = registration.event.coupled_to
    if visit is None or registration.user_id is None:
        return False
    visit_registration = db.session.scalars(select(Registration).where(
        Registration.event_id == visit.id, Registration.user_id == registration.user_id)).first()
    if visit_registration is None:
        return False
    visit_certificate = db.session.scalar(select(Certificate.id).where(
        Certificate.registration_id == visit_registration.id,
        Certificate.status == CertificateStatus.VALID))
    return visit_certificate is None and bool(parts_for(visit_registration))


def eligible_registrations(event: Event, among: list[int] | None = None) -> list[Registration]:
    """Present participants of ``event`` who have no valid certificate for it yet (only
    those among the given registration ids, if given)."""
    has_valid = select(Certificate.registration_id).where(
        Certificate.status == CertificateStatus.VALID, Certificate.registration_id.is_not(None))
    query = select(Registration).where(Registration.event_id == event.id,
                                       Registration.status == RegistrationStatus.CONFIRMED,
                                       Registration.id.not_in(has_valid))
    if among is not None:
        query = query.where(Registration.id.in_(among))
    candidates = db.session.scalars(
        query.options(selectinload(Registration.user)).order_by(Registration.id)).all()
    presence = _Presence(event)
    coupled = event.coupled_to is not None
    return [r for r in candidates
            if presence.parts(r) and not (coupled and _covered_by_werkbezoek(r))]


# --- Content -------------------------------------------------------------------------------

def skj_statement(event: Event) -> str:
    if event.is_accredited:
        points = format_decimal(event.accreditation_points or 0, format="#,##0.##")
        return (f"SKJ-geaccrediteerd — accreditatienummer {event.accreditation_number} — "
                f"{points} punten. De organisator voert de punten op in Mijn SKJ met het "
                f"registratienummer van de deelnemer.")
    if event.type.skj_category is SkjCategory.REFLECTIE:
        return ("Niet geaccrediteerd — door de deelnemer op te voeren als reflectie "
                "(intervisie); beoordeling door SKJ.")
    return ("Niet geaccrediteerd — door de deelnemer op te voeren als informeel leren "
            "(kamer jeugd- en gezinsprofessionals) of vrije ruimte (gedragswetenschappers); "
            "beoordeling door SKJ.")


def _session_line(session: EventSession) -> str:
    return _("%(period)s (%(hours)s uur netto)",
             period=format_period(session.starts_at, session.ends_at),
             hours=format_decimal(session.net_hours, format="#,##0.##"))


def qr_data_uri(url: str) -> str:
    """A one-pixel-per-module PNG, scaled up without smoothing by the page: far cheaper for
    WeasyPrint to draw than an SVG path of every module."""
    # A fixed mask skips qrcode's pure-Python search for the "best" of eight masks (4 ms →
    # 1 ms); every mask gives a valid, scannable code.
    code = qrcode.QRCode(border=2, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    # The image straight from the module matrix: qrcode's own image factory draws every
    # module as a rectangle through PIL (~1.5 ms of a bulk run's certificate).
    # Grey (8-bit) rather than 1-bit: WeasyPrint embeds a grey PNG as it is, and converts a
    # 1-bit one to RGB first.
    matrix = code.get_matrix()
    image = Image.new("L", (len(matrix), len(matrix)))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def certificate_data(registration: Registration, parts: list[Part], code: str,
                     issued_at: datetime) -> dict:
    """Plain data for the PDF template: no ORM objects reach the sandbox. Always Dutch:
    SKJ is a Dutch register."""
    with force_locale("nl"):
        return _certificate_data(registration, parts, code, issued_at)


def _certificate_data(registration: Registration, parts: list[Part], code: str,
                      issued_at: datetime) -> dict:
    event = registration.event
    user = registration.user
    region = event.region
    verify_url = external_url("certificates.verify", code=code)
    organiser = event.organisation
    return {
        "code": code,
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "participant": user.full_name if user else "",
        "skj_number": (registration.skj_number or (user.skj_number if user else None)
                       or "niet opgegeven"),
        "title": event.title,
        "type": event.type.name_nl,
        "parts": [{"title": p.event.title, "type": p.event.type.name_nl,
                   "sessions": [_session_line(s) for s in p.sessions],
                   "hours": format_decimal(p.hours, format="#,##0.##")} for p in parts],
        "total_hours": format_decimal(sum((p.hours for p in parts), Decimal(0)),
                                      format="#,##0.##"),
        "organiser": organiser.name,
        "organiser_contact": ", ".join(x for x in (organiser.address, organiser.website) if x),
        "leerhuis": region.leerhuis_name,
        "summary": event.summary,
        "learning_goals": [line.strip("-• ").strip() for line in event.learning_goals.splitlines()
                           if line.strip()][:6],
        "trainer": event.trainer,
        "statement": skj_statement(event),
        "issued_on": format_date(issued_at, "d MMMM y"),
        "signatory_name": region.signatory_name,
        "signatory_function": region.signatory_function,
    }


# --- Issuing -------------------------------------------------------------------------------

def _store(code: str, issued_at: datetime, content: bytes) -> str:
    """Write the PDF atomically under CERTIFICATE_DIR/<year>/<code>.pdf; returns the
    relative file name."""
    relative = f"{issued_at:%Y}/{code}.pdf"
    target = Path(current_app.config["CERTIFICATE_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, target)
    return relative


def page_for_user(user: User, page: int, per_page: int = 25):
    """A person's certificates, newest activity first, one page at a time (someone who
    attends for years collects many)."""
    stmt = (select(Certificate).where(Certificate.user_id == user.id)
            .order_by(Certificate.first_date.desc(), Certificate.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def stored_path(certificate: Certificate) -> Path:
    return Path(current_app.config["CERTIFICATE_DIR"]) / certificate.file_name


def _certificate_html(data: dict) -> str:
    with force_locale("nl"):  # always Dutch, like certificate_data: SKJ is a Dutch register
        return pdf.render_html("certificate.html", {"certificates": [data]})


def start_render(datas: list[dict]) -> Callable[[], list[bytes]]:
    """Start rendering one PDF per certificate, the batch spread over the layout processes;
    calling the result waits for the PDFs."""
    if not datas:
        return list
    chunks = pdf.chunked(datas, current_app.config["PDF_WORKERS"])
    pending = pdf.start_pdfs_many([[_certificate_html(data) for data in chunk]
                                   for chunk in chunks])

    @functools.cache  # waited for once, then read again as often as needed
    def documents() -> list[bytes]:
        return [document for chunk in pending() for document in chunk]

    return documents


@dataclass
class _Prepared:
    """A certificate whose content is fixed and whose PDF is being rendered."""

    registration: Registration
    parts: list[Part]
    code: str
    data: dict


@dataclass
class _Batch:
    prepared: list[_Prepared]
    issued_at: datetime
    documents: Callable[[], list[bytes]]


def _start_batch(registrations: list[Registration], *, skip_unentitled: bool = False) -> _Batch:
    """Check entitlement, fix each certificate's content and start rendering the PDFs. A bulk
    run skips whoever is no longer entitled (the list was read when the run started)."""
    issued_at = utcnow()
    prepared = []
    presence: dict[int, _Presence] = {}
    for registration in registrations:
        if registration.event_id not in presence:
            presence[registration.event_id] = _Presence(registration.event)
        parts = presence[registration.event_id].parts(registration)
        if not parts and skip_unentitled:
            continue
        if not parts:
            raise CertificateError(_("Deze deelnemer is niet (volledig) aanwezig geweest en krijgt "
                                   "geen bewijs van deelname."))
        code = new_code()
        prepared.append(_Prepared(registration, parts, code,
                                  certificate_data(registration, parts, code, issued_at)))
    return _Batch(prepared, issued_at, start_render([p.data for p in prepared]))


def _record(batch: _Batch, *, by: User | None, run: CertificateRun | None = None,
            replaces: dict[int, Certificate] | None = None) -> list[Certificate]:
    """Wait for the batch's PDFs, then store, hash and record them and queue the mails."""
    issued_at = batch.issued_at
    certificates = []
    for item, content in zip(batch.prepared, batch.documents(), strict=True):
        registration, parts, code, data = item.registration, item.parts, item.code, item.data
        event, user = registration.event, registration.user
        replaced = (replaces or {}).get(registration.id)
        certificate = Certificate(
            code=code, event_id=event.id, registration_id=registration.id,
            user_id=registration.user_id, participant_name=data["participant"],
            skj_number=registration.skj_number or (user.skj_number if user else None),
            event_title=event.title, event_type_label=event.type.name_nl,
            activity_dates="; ".join(line for p in data["parts"] for line in p["sessions"])[:500],
            first_date=parts[0].sessions[0].starts_at,
            net_hours=sum((p.hours for p in parts), Decimal(0)),
            skj_points=event.accreditation_points if event.is_accredited else None,
            accreditation_number=event.accreditation_number if event.is_accredited else "",
            skj_category="geaccrediteerd" if event.is_accredited else event.type.skj_category.value,
            issued_at=issued_at, issued_by_id=by.id if by is not None else None,
            file_name=_store(code, issued_at, content),
            sha256=hashlib.sha256(content).hexdigest(), run_id=run.id if run else None,
            replaces_id=replaced.id if replaced is not None else None,
            coupled_event_id=next((p.event.id for p in parts[1:]), None),
        )
        db.session.add(certificate)
        audit.record("certificate.issued", actor=by, subject=f"certificate:{code}",
                     region_id=event.region_id, registration_id=registration.id)
        if user is not None:
            _mail(certificate, user, content)
        certificates.append(certificate)
    # One flush for the batch: the rows go to the database in a few multi-row INSERTs.
    db.session.flush()
    return certificates


def issue(registrations: list[Registration], *, by: User | None, run: CertificateRun | None = None,
          replaces: dict[int, Certificate] | None = None) -> list[Certificate]:
    """Render, store, hash and record certificates for entitled registrations; queue mails."""
    return _record(_start_batch(registrations), by=by, run=run, replaces=replaces)


def issue_one(registration: Registration, *, by: User) -> Certificate:
    """The person's certificate for this registration: the valid one if it exists (for a
    coupled discussion: the werkbezoek certificate that shows it), else a new one."""
    if registration.event.attendance_closed_at is None:
        raise CertificateError(_("Sluit eerst de presentie af."))
    existing = db.session.scalars(select(Certificate).where(
        Certificate.registration_id == registration.id,
        Certificate.status == CertificateStatus.VALID)).first()
    if existing is None:
        existing = covering_visit_certificate(registration)
    if existing is not None:
        return existing
    return issue([registration], by=by)[0]


def _mail(certificate: Certificate, user: User, content: bytes) -> None:
    outbox.queue_template_mail(
        "certificate_issued", to=user.email, user=user, kind="certificate",
        subject=f"{outbox.in_language_of(user, _l('Je bewijs van deelname'))}: "
                f"{certificate.event_title}",
        certificate=certificate,
        link=external_url("certificates.verify", code=certificate.code),
        attachments=[outbox.Attachment(f"bewijs-van-deelname-{certificate.code}.pdf", content,
                                       "application", "pdf")])


def revoke(certificate: Certificate, *, by: User, reason: str) -> None:
    if not reason.strip():
        raise CertificateError(_("Geef een reden voor het intrekken."), field="reason")
    if certificate.status is CertificateStatus.REVOKED:
        raise CertificateError(_("Dit bewijs is al ingetrokken."))
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason.strip()
    audit.record("certificate.revoked", actor=by, subject=f"certificate:{certificate.code}",
                 region_id=certificate.event.region_id if certificate.event else None,
                 reason=reason.strip())


def reissue(certificate: Certificate, *, by: User, reason: str) -> Certificate:
    """Revoke and issue anew from the current data (e.g. a corrected name)."""
    registration = certificate.registration
    if registration is None:
        raise CertificateError(_("De aanmelding bij dit bewijs bestaat niet meer."))
    revoke(certificate, by=by, reason=reason)
    db.session.flush()
    return issue([registration], by=by, replaces={registration.id: certificate})[0]


# --- Bulk runs -----------------------------------------------------------------------------

def start_run(event: Event, *, by: User) -> CertificateRun:
    """Issue the event's certificates in the background, once its attendance is closed: one
    run at a time per event (starting again hands the worker the run under way), queued for
    the worker when the transaction commits."""
    if event.attendance_closed_at is None:
        raise CertificateError(
            _("Sluit eerst de presentie af; daarna kun je de bewijzen uitgeven."))
    run = db.session.scalars(select(CertificateRun).where(
        CertificateRun.event_id == event.id,
        CertificateRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))).first()
    if run is None:
        run = CertificateRun(event_id=event.id, started_by_id=by.id,
                             total=len(eligible_registrations(event)))
        db.session.add(run)
        db.session.flush()
    background.after_commit("issue_certificates", run.id)
    return run


# A worker renews its lease with every batch (a batch takes seconds); a run whose heartbeat
# is older than this lost its worker. Generous: a run taken over while its worker is alive
# but slow only wastes that worker's current batch, never issues twice.
def run_lease() -> timedelta:
    return timedelta(seconds=current_app.config["CERTIFICATE_RUN_LEASE_SECONDS"])


# A run records a PDF seconds after writing it; an unrecorded PDF this old was left by a
# worker that died in between.
ORPHAN_AGE = timedelta(minutes=10)
FAILURE_RECORD_ATTEMPTS = 5


class LeaseLost(Exception):
    """Another worker took the run over: this one stops without recording anything."""


def claim_run(run_id: int, now: datetime | None = None) -> str | None:
    """Take the run over, unless a worker holds it: only a run that is new, failed, or whose
    heartbeat is older than the run lease. One conditional UPDATE, so of two workers that try at
    once exactly one gets it. Returns the new lease token, or None."""
    now = now or utcnow()
    lease = secrets.token_hex(16)
    # DML through Session.execute returns a CursorResult; the Result type has no rowcount.
    claimed = cast(CursorResult[Any], db.session.execute(
        update(CertificateRun)
        .where(CertificateRun.id == run_id, CertificateRun.status != RunStatus.DONE,
               or_(CertificateRun.heartbeat_at.is_(None),
                   CertificateRun.heartbeat_at < now - run_lease()))
        .values(status=RunStatus.RUNNING, heartbeat_at=now, lease_token=lease)
        .execution_options(synchronize_session=False))).rowcount == 1
    db.session.commit()
    return lease if claimed else None


def _renew_lease(run_id: int, lease: str) -> None:
    """Renew the heartbeat, in the transaction that records the batch: if another worker
    took the run over meanwhile, nothing of this batch is recorded."""
    # DML through Session.execute returns a CursorResult; the Result type has no rowcount.
    renewed = cast(CursorResult[Any], db.session.execute(
        update(CertificateRun)
        .where(CertificateRun.id == run_id, CertificateRun.lease_token == lease)
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False))).rowcount == 1
    if not renewed:
        raise LeaseLost(run_id)


def stalled_run_ids(now: datetime | None = None) -> list[int]:
    """Runs that should be running but whose worker is gone: queued or running, and no
    heartbeat (or, never started, no creation) within the run lease."""
    cutoff = (now or utcnow()) - run_lease()
    return list(db.session.scalars(select(CertificateRun.id).where(
        CertificateRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        func.coalesce(CertificateRun.heartbeat_at, CertificateRun.created_at) < cutoff)
        .order_by(CertificateRun.id)))


def process_run(run_id: int) -> CertificateRun | None:
    """The worker's part: take the run's lease, then issue in batches, committing each with a
    new heartbeat, until nobody is left. While a batch is recorded the layout processes
    already render the next one; they end with the run. A run another worker holds is left
    alone. Safe to run again after a crash: it only picks registrations without a valid
    certificate."""
    run = db.session.get(CertificateRun, run_id)
    if run is None or run.status is RunStatus.DONE:
        return run
    lease = claim_run(run_id)
    if lease is None:
        return run
    by = db.session.get(User, run.started_by_id) if run.started_by_id else None
    session = db.session()
    # The next batch is prepared from objects loaded before this batch's commit; keep them
    # as read (the PDFs being rendered show exactly that) instead of reloading each one.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        with pdf.layout_processes(current_app.config["PDF_WORKERS"]):
            started = (_start_batch(batch, skip_unentitled=True)
                       for batch in _batches(eligible_registrations(run.event),
                                             current_app.config["CERTIFICATE_BATCH_SIZE"]))
            pending = next(started, None)
            while pending is not None:
                upcoming = next(started, None)  # rendering starts now, recording next round
                # End the transaction before waiting for the layout processes: on SQLite it
                # holds the database's one write lock, which the web must not wait for.
                db.session.commit()
                pending.documents()  # wait for the PDFs first: then check who is still due one
                _renew_lease(run_id, lease)
                _record(_still_due(pending, run.event), by=by, run=run)
                run.done = db.session.scalar(select(func.count()).select_from(Certificate)
                                             .where(Certificate.run_id == run.id)) or 0
                run.total = max(run.total, run.done)
                db.session.commit()
                pending = upcoming
        _renew_lease(run_id, lease)
        run.status = RunStatus.DONE
        run.finished_at = utcnow()
        run.total = run.done
        run.lease_token = None
        db.session.commit()
    except LeaseLost:
        db.session.rollback()
        return db.session.get(CertificateRun, run_id)
    except Exception as exc:
        db.session.rollback()
        _record_failure(run_id, lease, exc)
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return run


def _record_failure(run_id: int, lease: str, exc: Exception) -> None:
    """Mark the run FAILED in a transaction of its own, after the failed one was rolled
    back. The failure may be the database being busy (SQLite: "database is locked" while
    another run writes), so a busy database is tried again a few times. The lease is
    released: a retry of the task takes the run over at once."""
    for attempt in range(FAILURE_RECORD_ATTEMPTS):
        try:
            db.session.execute(
                update(CertificateRun)
                .where(CertificateRun.id == run_id, CertificateRun.lease_token == lease)
                .values(status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
                        heartbeat_at=None, lease_token=None)
                .execution_options(synchronize_session=False))
            db.session.commit()
        except OperationalError:
            db.session.rollback()
            time.sleep(0.2 * 2 ** attempt)
        else:
            db.session.expire_all()
            return
    logging.getLogger(__name__).error("certificate run %s failed and its status could not be "
                                      "recorded", run_id, exc_info=exc)


def remove_orphan_files(now: datetime | None = None) -> list[str]:
    """Remove PDFs from the certificate store that no certificate record names: written by a
    run whose worker died before the batch was recorded. Only files older than ORPHAN_AGE:
    a live run records each file seconds after writing it. The files are listed before the
    records are read, so a file recorded in between counts as recorded."""
    root = Path(current_app.config["CERTIFICATE_DIR"])
    if not root.is_dir():
        return []
    cutoff = ((now or utcnow()) - ORPHAN_AGE).timestamp()
    old = {path.relative_to(root).as_posix(): path for path in root.rglob("*")
           if path.suffix in (".pdf", ".tmp") and path.is_file()
           and path.stat().st_mtime < cutoff}
    names = list(old)
    recorded: set[str] = set()
    for start in range(0, len(names), 500):
        recorded.update(db.session.scalars(select(Certificate.file_name).where(
            Certificate.file_name.in_(names[start:start + 500]))))
    removed = sorted(set(old) - recorded)
    for name in removed:
        old[name].unlink(missing_ok=True)
    return removed


def _batches(queue: list[Registration], batch_size: int) -> list[list[Registration]]:
    """batch_size at a time, but a third of that first and last: the layout processes start
    sooner, and the last batch, which no rendering overlaps, is recorded sooner. (A third of
    50, the default CERTIFICATE_BATCH_SIZE, is still enough pages to split between two
    layout processes.)"""
    edge = max(1, batch_size // 3)
    if len(queue) <= 2 * edge + batch_size:
        return [queue[i:i + batch_size] for i in range(0, len(queue), batch_size)]
    middle = queue[edge:-edge]
    size = math.ceil(len(middle) / math.ceil(len(middle) / batch_size))  # even, ≤ batch_size
    return [queue[:edge], *(middle[i:i + size] for i in range(0, len(middle), size)),
            queue[-edge:]]


def _still_due(batch: _Batch, event: Event) -> _Batch:
    """Leave out whoever is no longer due a certificate since the run started (one issued
    alone meanwhile, a registration cancelled, a discussion now on the werkbezoek's
    certificate); their rendered PDFs are dropped. Checked just before the INSERTs."""
    if not batch.prepared:
        return batch
    due = {registration.id for registration in eligible_registrations(
        event, among=[item.registration.id for item in batch.prepared])}
    keep = [i for i, item in enumerate(batch.prepared) if item.registration.id in due]
    if len(keep) == len(batch.prepared):
        return batch

    def kept_documents() -> list[bytes]:
        documents = batch.documents()
        return [documents[i] for i in keep]

    return _Batch([batch.prepared[i] for i in keep], batch.issued_at, kept_documents)


def find_by_code(code: str) -> Certificate | None:
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return db.session.scalars(select(Certificate).where(Certificate.code == normalised)).first()
