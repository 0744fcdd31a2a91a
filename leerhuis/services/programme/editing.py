"""Creating, changing, copying, repeating and cancelling events.

Rules enforced here:
- an event's type is built in or one of its own region's types;
- each step asks permissions.py who may take it; entered data passes validation.py first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.formatting import AMSTERDAM
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    Region,
    TargetGroup,
    Theme,
    User,
)
from leerhuis.services import audit
from leerhuis.services.programme.errors import ProgrammeError
from leerhuis.services.programme.permissions import (
    can_create_for,
    can_edit,
    can_manage,
    is_organiser_of,
    is_region_admin_for,
)
from leerhuis.services.programme.validation import EventInput, SessionInput, check_privacy, validate


def programme_year_of(sessions: list[SessionInput]) -> int:
    return min(s.starts_at for s in sessions).astimezone(AMSTERDAM).year


def create_event(data: EventInput, *, by: User, region: Region | None = None,
                 coupled_to: Event | None = None) -> Event:
    organisation = db.session.get(Organisation, data.organisation_id)
    if organisation is None or not can_create_for(by, organisation):
        raise ProgrammeError(errors={"organisation_id": _(
            "Je kunt geen activiteiten maken voor deze organisatie.")})
    errors = validate(data)
    if errors:
        raise ProgrammeError(errors=errors)
    region_id = (region or organisation.region).id
    event_type = _event_type(data.type_id, region_id)
    findings = check_privacy(data, event_type)
    event = Event(region_id=region_id, created_by_id=by.id, status=EventStatus.CONCEPT)
    _apply(event, data, event_type)
    event.privacy_findings = findings
    event.privacy_review_needed = bool(findings)
    if coupled_to is not None:
        event.coupled_to = coupled_to
    db.session.add(event)
    db.session.flush()
    audit.record("event.created", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id)
    return event


@dataclass
class EventUpdate:
    """What an edit changed that others must hear of (services/event_changes.py)."""

    event: Event
    removed_sessions: list[EventSession]
    calendars_outdated: bool  # times, place or status: each session's SEQUENCE went up
    seats_changed: bool


def apply_update(event: Event, data: EventInput, *, by: User) -> EventUpdate:
    """The edit itself, checked and applied; telling calendars and the waiting list is
    event_changes.update_event's part."""
    if not can_edit(by, event):
        raise ProgrammeError(_("Je kunt deze activiteit niet (meer) wijzigen."))
    if data.organisation_id != event.organisation_id:
        organisation = db.session.get(Organisation, data.organisation_id)
        if organisation is None or not can_create_for(by, organisation):
            raise ProgrammeError(errors={"organisation_id": _(
                "Je kunt geen activiteiten maken voor deze organisatie.")})
    errors = validate(data, existing=event)
    if errors:
        raise ProgrammeError(errors=errors)
    event_type = _event_type(data.type_id, event.region_id)
    findings = check_privacy(data, event_type)
    before = _material_state(event)
    seats_before = (event.capacity, event.max_per_organisation)
    removed = _apply(event, data, event_type)
    if findings:
        event.privacy_findings = findings
        event.privacy_review_needed = True
    calendars_outdated = before != _material_state(event)
    if calendars_outdated:
        for session in event.sessions:
            session.ical_sequence += 1
    db.session.flush()
    return EventUpdate(event=event, removed_sessions=removed,
                       calendars_outdated=calendars_outdated,
                       seats_changed=(event.capacity, event.max_per_organisation) != seats_before)


def _material_state(event: Event) -> tuple:
    """What calendar clients must be told about: times, place, status."""
    return (tuple((s.starts_at, s.ends_at) for s in event.sessions), event.is_online,
            event.online_url, event.venue_name, event.address, event.postcode, event.city,
            event.status)


def _event_type(type_id: int, region_id: int) -> EventType:
    event_type = db.session.get(EventType, type_id)
    if event_type is None or event_type.region_id not in (None, region_id):
        raise ProgrammeError(errors={"type_id": _("Kies een soort activiteit.")})
    return event_type


def _apply(event: Event, data: EventInput, event_type: EventType) -> list[EventSession]:
    for name in EventInput.SCALARS:
        setattr(event, name, getattr(data, name))
    event.title = data.title.strip()
    event.type = event_type
    event.issues_certificate = (event_type.issues_certificate if data.issues_certificate is None
                                else data.issues_certificate)
    event.programme_year = programme_year_of(data.sessions)
    event.themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(data.theme_ids))))
    event.target_groups = list(db.session.scalars(
        select(TargetGroup).where(TargetGroup.id.in_(data.target_group_ids))))
    event.co_organisers = list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(data.co_organiser_ids), Organisation.id != data.organisation_id)))
    return _apply_sessions(event, data.sessions)


def _apply_sessions(event: Event, sessions: list[SessionInput]) -> list[EventSession]:
    """Keep existing session rows — their calendar UIDs and attendance — for sessions whose
    start stays the same; reuse the other rows, in order, for moved sessions; add or drop
    the rest. Returns the dropped rows (their calendar entries must be cancelled)."""
    ordered = sorted(sessions, key=lambda s: s.starts_at)
    existing = list(event.sessions)
    kept: dict[int, EventSession] = {}
    free = []
    for old in existing:
        match = next((i for i, item in enumerate(ordered)
                      if i not in kept and item.starts_at == old.starts_at), None)
        if match is None:
            free.append(old)
        else:
            kept[match] = old
    for index, item in enumerate(ordered):
        row = kept.get(index)
        if row is None:
            row = free.pop(0) if free else EventSession()
        row.starts_at, row.ends_at = item.starts_at, item.ends_at
        row.break_minutes = item.break_minutes
        row.net_hours = item.computed_net_hours()
        row.title = item.title
        if row not in event.sessions:
            event.sessions.append(row)
    for row in free:
        event.sessions.remove(row)
    event.sessions.sort(key=lambda s: s.starts_at)
    return free


def duplicate_event(event: Event, *, by: User, shift_weeks: int = 52) -> Event:
    """A concept copy, moved ``shift_weeks`` later (52 weeks keeps the weekday: 'same as last
    year'). Texts and settings are copied; registrations and state are not."""
    if not can_manage(by, event):
        raise ProgrammeError(_("Je kunt deze activiteit niet kopiëren."))
    data = EventInput.from_event(event)
    shift = timedelta(weeks=shift_weeks)
    for session in data.sessions:
        session.starts_at += shift
        session.ends_at += shift
    for name in ("registration_opens_at", "registration_closes_at", "cancellation_deadline"):
        value = getattr(data, name)
        if value is not None:
            setattr(data, name, value + shift)
    if data.accreditation_valid_until and data.accreditation_valid_until < (
            min(s.starts_at for s in data.sessions).date()):
        data.accreditation_valid_until = None
        data.is_accredited = False
        data.accreditation_number = ""
        data.accreditation_points = None
    data.privacy_confirmed = True  # the original's texts passed the guard already
    errors = validate(data)
    if errors:
        raise ProgrammeError(errors=errors)
    copy = Event(region_id=event.region_id, created_by_id=by.id, status=EventStatus.CONCEPT,
                 duplicated_from_id=event.id)
    _apply(copy, data, event.type)
    copy.privacy_findings = list(event.privacy_findings or [])
    copy.privacy_review_needed = event.privacy_review_needed
    db.session.add(copy)
    db.session.flush()
    return copy


def create_recurring(data: EventInput, *, by: User, every: str, count: int) -> list[Event]:
    """Separate events from one pattern (e.g. a monthly case discussion): ``every`` is
    'week', '2weeks' or 'month'; the first occurrence is ``data`` itself."""
    if not 2 <= count <= 24:
        raise ProgrammeError(errors={"count": _("Kies tussen 2 en 24 herhalingen.")})
    key = str(uuid.uuid4())
    events = []
    for index in range(count):
        occurrence = EventInput(**{**data.__dict__, "sessions": [
            SessionInput(_shift(s.starts_at, every, index), _shift(s.ends_at, every, index),
                         s.break_minutes, s.net_hours, s.title) for s in data.sessions]})
        event = create_event(occurrence, by=by)
        event.series_key = key
        events.append(event)
    return events


def _shift(moment: datetime, every: str, steps: int) -> datetime:
    """Shift in local time, so 14:00 stays 14:00 across a DST change."""
    local = moment.astimezone(AMSTERDAM)
    if every == "week":
        local = local + timedelta(weeks=steps)
    elif every == "2weeks":
        local = local + timedelta(weeks=2 * steps)
    elif every == "month":
        month = local.month - 1 + steps
        year = local.year + month // 12
        month = month % 12 + 1
        day = min(local.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
        local = local.replace(year=year, month=month, day=day)
    else:
        raise ProgrammeError(errors={"every": _(
            "Kies een herhaling: wekelijks, tweewekelijks of maandelijks.")})
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=AMSTERDAM).astimezone(moment.tzinfo)


def couple_case_discussion(werkbezoek: Event, data: EventInput, *, by: User) -> Event:
    """Add the anonymous casuïstiekbespreking coupled to a werkbezoek; the organising
    party of the visit organises it (by default)."""
    if werkbezoek.type.code != "werkbezoek":
        raise ProgrammeError(_("Alleen aan een werkbezoek kan een casuïstiekbespreking gekoppeld "
                             "worden."))
    if werkbezoek.coupled_discussion is not None:
        raise ProgrammeError(_("Dit werkbezoek heeft al een casuïstiekbespreking."))
    if not can_manage(by, werkbezoek):
        raise ProgrammeError(_("Je kunt dit werkbezoek niet wijzigen."))
    return create_event(data, by=by, coupled_to=werkbezoek)


def apply_cancel(event: Event, *, by: User, reason: str) -> None:
    """The cancellation itself; calendars hear of it through event_changes.cancel."""
    if not (is_region_admin_for(by, event) or (
            is_organiser_of(by, event) and event.status is not EventStatus.FINISHED)):
        raise ProgrammeError(_("Je kunt deze activiteit niet annuleren."))
    if not reason.strip():
        raise ProgrammeError(errors={"reason": _("Geef een reden voor de annulering.")})
    if event.status in (EventStatus.CANCELLED, EventStatus.FINISHED):
        raise ProgrammeError(_("Deze activiteit is al afgerond of geannuleerd."))
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason.strip()
    for session in event.sessions:
        session.ical_sequence += 1
    audit.record("event.cancelled", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id, reason=reason.strip())
    db.session.flush()
