"""Issuing bewijzen van deelname (one, or a batch for a bulk run), revoking, reissuing, and
finding one by its code for verification.

Rules enforced here (domain brief §3):
- only whoever eligibility says is due one gets a certificate (see eligibility);
- each certificate has a unique code, by which the verification page finds it;
- revocation needs a reason and is visible on the verification page; re-issue revokes
  the old one and points the new one at it;
- one valid certificate per registration (a partial unique index guards it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    Certificate,
    CertificateRun,
    CertificateStatus,
    Registration,
    User,
    utcnow,
)
from leerhuis.services import audit, outbox
from leerhuis.services.certificates import storage
from leerhuis.services.certificates.content import certificate_data, start_render
from leerhuis.services.certificates.eligibility import (
    Part,
    Presence,
    covering_visit_certificate,
)
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


def page_for_user(user: User, page: int, per_page: int = 25):
    """A person's certificates, newest activity first, one page at a time (someone who
    attends for years collects many)."""
    stmt = (select(Certificate).where(Certificate.user_id == user.id)
            .order_by(Certificate.first_date.desc(), Certificate.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


@dataclass
class Prepared:
    """A certificate whose content is fixed and whose PDF is being rendered."""

    registration: Registration
    parts: list[Part]
    code: str
    data: dict


@dataclass
class Batch:
    """Certificates issued together: their fixed content, one moment of issue, and their
    PDFs (calling ``documents`` waits for them)."""

    prepared: list[Prepared]
    issued_at: datetime
    documents: Callable[[], list[bytes]]


def start_batch(registrations: list[Registration], *, skip_unentitled: bool = False) -> Batch:
    """Check entitlement, fix each certificate's content and start rendering the PDFs. A bulk
    run skips whoever is no longer entitled (the list was read when the run started)."""
    issued_at = utcnow()
    prepared = []
    presence: dict[int, Presence] = {}
    for registration in registrations:
        if registration.event_id not in presence:
            presence[registration.event_id] = Presence(registration.event)
        parts = presence[registration.event_id].parts(registration)
        if not parts and skip_unentitled:
            continue
        if not parts:
            raise CertificateError(_("Deze deelnemer is niet (volledig) aanwezig geweest en krijgt "
                                   "geen bewijs van deelname."))
        code = new_code()
        prepared.append(Prepared(registration, parts, code,
                                  certificate_data(registration, parts, code, issued_at)))
    return Batch(prepared, issued_at, start_render([p.data for p in prepared]))


def record_batch(batch: Batch, *, by: User | None, run: CertificateRun | None = None,
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
            file_name=storage.store(code, issued_at, content),
            sha256=storage.sha256_of(content), run_id=run.id if run else None,
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
    return record_batch(start_batch(registrations), by=by, run=run, replaces=replaces)


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


def find_by_code(code: str) -> Certificate | None:
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return db.session.scalars(select(Certificate).where(Certificate.code == normalised)).first()
