"""Attendance: the organiser's marks per participant per session, and self check-in.

Rules enforced here:
- only confirmed registrations have attendance; every change is stored with who, when
  and how (organiser, 'all present', self check-in);
- self check-in needs the session's code and is open from 30 minutes before the start
  until the end of the session;
- once the organiser closes attendance, marks are final (the Region can still correct).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceChange,
    AttendanceSource,
    AttendanceState,
    Event,
    EventSession,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from leerhuis.services import audit, programme

CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a room


class AttendanceError(DomainError):
    """Marking, checking in or closing the attendance is refused."""


can_manage = programme.can_manage


def confirmed_registrations(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == RegistrationStatus.CONFIRMED)
        .options(selectinload(Registration.user), selectinload(Registration.organisation))
        .order_by(Registration.id)))


def marks_for(event: Event) -> dict[tuple[int, int], Attendance]:
    """(registration id, session id) → mark, for every session of the event."""
    rows = db.session.scalars(select(Attendance).join(EventSession)
                              .where(EventSession.event_id == event.id))
    return {(a.registration_id, a.session_id): a for a in rows}


def mark(registration: Registration, session: EventSession, state: AttendanceState, *,
         by: User | None, source: AttendanceSource = AttendanceSource.ORGANISER) -> Attendance:
    event = session.event
    if registration.event_id != event.id:
        raise AttendanceError(_("Deze aanmelding hoort niet bij deze bijeenkomst."))
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise AttendanceError(_("Alleen bevestigde deelnemers hebben een presentie."))
    if event.attendance_closed_at is not None and not (
            by is not None and programme.is_region_admin_for(by, event)):
        raise AttendanceError(_("De presentie van deze activiteit is afgesloten."))
    row = db.session.scalars(select(Attendance).where(
        Attendance.registration_id == registration.id, Attendance.session_id == session.id)).first()
    old = row.state if row is not None else None
    if row is None:
        row = Attendance(registration_id=registration.id, session_id=session.id)
        db.session.add(row)
    if old is state:
        return row
    row.state = state
    row.source = source
    row.marked_by_id = by.id if by is not None else None
    row.marked_at = utcnow()
    db.session.flush()
    db.session.add(AttendanceChange(attendance_id=row.id, old_state=old, new_state=state,
                                    source=source,
                                    changed_by_id=by.id if by is not None else None))
    if source is not AttendanceSource.SELF_CHECKIN:
        audit.record("attendance.changed", actor=by, subject=f"registration:{registration.id}",
                      session_id=session.id, old=old.value if old else None, new=state.value)
    return row


def mark_all_present(session: EventSession, *, by: User) -> int:
    """'Iedereen aanwezig': everyone confirmed and not yet marked becomes present."""
    existing = {a.registration_id for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}
    count = 0
    for registration in confirmed_registrations(session.event):
        if registration.id not in existing:
            mark(registration, session, AttendanceState.PRESENT, by=by,
                 source=AttendanceSource.ALL_PRESENT)
            count += 1
    return count


def ensure_checkin_code(session: EventSession) -> str:
    if not session.checkin_code:
        session.checkin_code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
    return session.checkin_code


@dataclass
class CheckinWindow:
    opens: datetime
    closes: datetime

    def contains(self, moment: datetime) -> bool:
        return self.opens <= moment <= self.closes


def checkin_window(session: EventSession) -> CheckinWindow:
    return CheckinWindow(session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at)


def self_checkin(session: EventSession, user: User, code: str, now: datetime | None = None
                 ) -> Attendance:
    """A participant in the room marks themself present with the code on the screen."""
    now = now or utcnow()
    window = checkin_window(session)
    if now < window.opens:
        raise AttendanceError(_("Inchecken kan vanaf een half uur voor het begin."))
    if now > window.closes:
        raise AttendanceError(_("Deze bijeenkomst is afgelopen; inchecken kan niet meer. "
                              "Vraag de organisator je aanwezigheid te registreren."))
    expected = session.checkin_code or ""
    given = (code or "").strip().upper().replace(" ", "")
    if not expected or not secrets.compare_digest(given, expected):
        raise AttendanceError(_("Deze code klopt niet. Controleer de code op het scherm."))
    registration = db.session.scalars(select(Registration).where(
        Registration.event_id == session.event_id, Registration.user_id == user.id)).first()
    if registration is None or registration.status is not RegistrationStatus.CONFIRMED:
        raise AttendanceError(_("Je bent niet aangemeld voor deze activiteit. Meld je bij de "
                              "organisator."))
    return mark(registration, session, AttendanceState.PRESENT, by=user,
                source=AttendanceSource.SELF_CHECKIN)


def close_attendance(event: Event, *, by: User) -> None:
    if not can_manage(by, event):
        raise AttendanceError(_("Je kunt de presentie van deze activiteit niet afsluiten."))
    if event.ends_at and event.ends_at > utcnow() + timedelta(hours=1):
        raise AttendanceError(
            _("De presentie kan pas worden afgesloten als de activiteit voorbij is."))
    event.attendance_closed_at = utcnow()
    audit.record("attendance.closed", actor=by, subject=f"event:{event.id}")


def history(event: Event) -> list[AttendanceChange]:
    return list(db.session.scalars(
        select(AttendanceChange).join(Attendance).join(EventSession)
        .where(EventSession.event_id == event.id)
        .options(selectinload(AttendanceChange.changed_by))
        .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc())))
