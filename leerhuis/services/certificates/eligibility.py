"""Who is due a bewijs van deelname, and what it covers.

Rules enforced here (domain brief §3):
- only participants recorded as present get one; for accredited activities they must
  have attended every session, for other activities the certificate states the net
  hours of the sessions they attended;
- a werkbezoek's certificate also shows its coupled casuïstiekbespreking when the
  participant attended that too (it records which discussion it covers). A discussion is on
  exactly one certificate: if the visit's certificate was issued before the discussion's
  attendance was known, the discussion gets its own certificate, and a visit certificate
  never repeats a discussion that already has one;
- one valid certificate per registration: whoever has one is no longer due one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceState,
    Certificate,
    CertificateStatus,
    Event,
    EventSession,
    Registration,
    RegistrationStatus,
)


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


class Presence:
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
    return Presence(registration.event).parts(registration)


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
    presence = Presence(event)
    coupled = event.coupled_to is not None
    return [r for r in candidates
            if presence.parts(r) and not (coupled and _covered_by_werkbezoek(r))]
