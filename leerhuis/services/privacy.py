"""Privacy rights (AVG): a professional's own data export, account deletion, and the
retention period for registrations and attendance.

Rules enforced here:
- the export holds everything the portal keeps about the person (profile, roles,
  registrations, attendance, certificates, mails sent to them) plus the certificate PDFs;
- deleting an account first cancels the person's registrations for activities that have
  not ended, as afmelden does (the waiting list moves up, the person gets the calendar
  cancellations), then removes the person and their personal details from registrations
  and attendance while the rows stay for aggregate figures; issued certificates stay
  verifiable by code (name, activity, date, hours — nothing more);
- registrations older than RETENTION_YEARS after the activity are anonymised the same
  way by a scheduled job.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, func, select, update

from leerhuis.extensions import db
from leerhuis.models import (
    ACTIVE_STATUSES,
    Attendance,
    Certificate,
    Event,
    EventSession,
    OutboxMessage,
    Registration,
    User,
    utcnow,
)
from leerhuis.services import audit, certificates, registrations

ANONYMISED = {"user_id": None, "function": "", "municipality_name": "", "skj_number": None,
              "diet": "", "accessibility_needs": "", "added_by_id": None}


def export_data(user: User) -> dict:
    registrations = db.session.scalars(
        select(Registration).where(Registration.user_id == user.id)).all()
    marks = db.session.execute(
        select(Attendance.registration_id, EventSession.starts_at, Attendance.state)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .join(Registration, Registration.id == Attendance.registration_id)
        .where(Registration.user_id == user.id)).all()
    by_registration: dict[int, list] = {}
    for registration_id, starts_at, state in marks:
        by_registration.setdefault(registration_id, []).append(
            {"bijeenkomst": starts_at.isoformat(), "presentie": state.value})
    own_certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id)).all()
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                               .order_by(OutboxMessage.id)).all()
    return {
        "profiel": {
            "e-mailadres": user.email, "voornaam": user.first_name, "achternaam": user.last_name,
            "functie": user.function,
            "organisatie": user.organisation.name if user.organisation else None,
            "gemeente": user.municipality.name if user.municipality else None,
            "regio": user.region.name, "skj_registratienummer": user.skj_number,
            "skj_kamer": user.skj_kamer.value if user.skj_kamer else None,
            "taal": user.preferred_language, "aangemaakt": user.created_at.isoformat(),
            "laatst_ingelogd": user.last_login_at.isoformat() if user.last_login_at else None,
            "regio_beheerder": user.is_region_admin,
            "agenda_link_actief": user.calendar_token is not None,
        },
        "organisator_rollen": [{"organisatie": r.organisation.name, "status": r.status.value,
                                "aangevraagd": r.requested_at.isoformat()}
                               for r in user.organiser_roles],
        "aanmeldingen": [{
            "activiteit": r.event.title, "status": r.status.value,
            "aangemeld": r.registered_at.isoformat(), "dieetwensen": r.diet,
            "toegankelijkheid": r.accessibility_needs,
            "naam_delen_met_organisator": r.consent_share_name,
            "presentie": by_registration.get(r.id, []),
        } for r in registrations],
        "bewijzen_van_deelname": [{
            "code": c.code, "activiteit": c.event_title, "datum": c.first_date.isoformat(),
            "netto_uren": str(c.net_hours), "status": c.status.value,
            "sha256": c.sha256} for c in own_certificates],
        "e-mails": [{"onderwerp": m.subject, "aangemaakt": m.created_at.isoformat(),
                     "status": m.status.value} for m in mails],
    }


def export_zip(user: User) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mijn-gegevens.json",
                         json.dumps(export_data(user), ensure_ascii=False, indent=2))
        for certificate in db.session.scalars(
                select(Certificate).where(Certificate.user_id == user.id)):
            path = certificates.stored_path(certificate)
            if certificate.file_name and path.is_file():
                archive.write(path, f"bewijzen/{certificate.code}.pdf")
    audit.record("export.own_data", actor=user, subject=f"user:{user.id}")
    return buffer.getvalue()


def delete_account(user: User, *, by: User, now=None) -> None:
    """Remove the person: their places in activities still to come go to the waiting list;
    keep anonymous registrations/attendance and verifiable certificates."""
    user_id = user.id
    # The mails kept so far go first; the calendar cancellations queued below must still
    # reach the person.
    db.session.execute(delete(OutboxMessage).where(
        (OutboxMessage.user_id == user_id)
        | (func.lower(OutboxMessage.recipient) == user.email.lower())))
    cancel_coming_registrations(user, by=by, now=now)
    db.session.execute(update(Registration).where(Registration.user_id == user_id)
                       .values(**ANONYMISED))
    db.session.execute(update(Certificate).where(Certificate.user_id == user_id)
                       .values(user_id=None, skj_number=None))
    audit.record("account.deleted", actor=by if by.id != user_id else None,
                 subject=f"user:{user_id}", region_id=user.region_id, by_self=by.id == user_id)
    db.session.delete(user)


def cancel_coming_registrations(user: User, *, by: User, now=None) -> int:
    """Cancel the person's registrations for activities that have not ended, through
    afmelden itself, so their places go to the waiting list and their calendars hear of it."""
    now = now or utcnow()
    last_end = (select(func.max(EventSession.ends_at))
                .where(EventSession.event_id == Registration.event_id).scalar_subquery())
    coming = db.session.scalars(
        select(Registration)
        .where(Registration.user_id == user.id, Registration.status.in_(ACTIVE_STATUSES),
               last_end > now)
        # One event lock after another, always in the same order.
        .order_by(Registration.event_id)).all()
    for registration in coming:
        registrations.unregister(registration, by=by, now=now, deadline_applies=False)
    return len(coming)


def apply_retention(now=None) -> int:
    """Anonymise registrations whose activity ended more than RETENTION_YEARS ago."""
    now = now or utcnow()
    years = current_app.config.get("RETENTION_YEARS", 2)
    cutoff = now - timedelta(days=365 * years)
    last_session = (select(EventSession.event_id, func.max(EventSession.ends_at).label("ended"))
                    .group_by(EventSession.event_id).subquery())
    old_events = select(last_session.c.event_id).where(last_session.c.ended < cutoff)
    # DML through Session.execute returns a CursorResult; the Result type has no rowcount.
    result = cast(CursorResult[Any], db.session.execute(
        update(Registration).where(Registration.event_id.in_(old_events),
                                   Registration.user_id.is_not(None))
        .values(**ANONYMISED).execution_options(synchronize_session=False)))
    if result.rowcount:
        audit.record("retention.applied", actor=None, subject="registrations",
                     rows=result.rowcount, cutoff=cutoff.date().isoformat())
    return result.rowcount


def retention_summary() -> dict:
    return {"years": current_app.config.get("RETENTION_YEARS", 2),
            "events": db.session.scalar(select(func.count()).select_from(Event))}
