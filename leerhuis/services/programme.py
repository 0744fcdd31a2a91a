"""The programme: creating, checking and moving events through the organiser-to-Region workflow.

Rules enforced here:
- an organisator works on events of the organisations it is approved for; the Region
  (regio-beheerder of the event's region) may edit everything;
- states go concept → ingediend → gepubliceerd → afgerond, or geannuleerd; only concept
  and returned events can be edited by the organiser;
- an event is shown to the public only when it is published *and* its programme year is
  published (next year's programme is prepared as a draft in the autumn); a never-published
  event is never public, in any state (a concept or returned proposal that is cancelled
  stays hidden; one cancelled after publication stays visible as geannuleerd);
- klankbordgroep meetings are never public: their members and the Region see them;
- sessions end after they start, do not overlap, and a new event does not start in the past;
- an on-site event needs an address, an accredited one a number and points;
- texts of case discussions (learning goals included) pass the anonymisation guard: clear
  identifiers block saving, names/dates/places need confirmation and flag the event for the
  Region's privacy review;
- an accreditation is valid on every session day; registration opens before the start;
- an event's type is built in or one of its own region's types;
- organisers of a region see its approved events of a programme year that is still a draft
  (next year's programme prepared in the autumn); other organisations' concepts stay hidden.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.formatting import AMSTERDAM, format_day
from leerhuis.models import (
    ApprovalStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    KlankbordMeeting,
    Municipality,
    Organisation,
    OrganiserRole,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    TargetGroup,
    Theme,
    User,
    VenueKind,
    utcnow,
)
from leerhuis.services import anonymisation, audit, membership, outbox
from leerhuis.services.links import external_url

if TYPE_CHECKING:
    from leerhuis.services.catalogue import EventFacts

EDITABLE_BY_ORGANISER = {EventStatus.CONCEPT}


class ProgrammeError(DomainError):
    """A rule of the programme (who may create, change, publish or cancel what) was broken."""


class PrivacyCheckFailed(ProgrammeError):
    """The guard found identifying data; ``results`` holds its findings per field. Texts
    that only may identify someone need the author's confirmation (``privacy_confirmed``)."""

    def __init__(self, results: dict[str, anonymisation.GuardResult], needs_confirmation: bool):
        self.results = results
        self.needs_confirmation = needs_confirmation
        errors = {name: self.message_for(result) for name, result in results.items()}
        if needs_confirmation:
            errors["privacy_confirmed"] = _("Vink aan dat je de gemarkeerde gegevens hebt "
                                            "gecontroleerd.")
        super().__init__(errors=errors)

    @staticmethod
    def message_for(result: anonymisation.GuardResult) -> str:
        """Names what was actually found, never a kind the text does not hold."""
        if result.blocking:
            return _("Deze tekst bevat gegevens die niet opgeslagen mogen worden: %(kinds)s. "
                     "Haal ze weg.", kinds=", ".join(result.labels(result.blocking)))
        return _("Deze tekst bevat mogelijk gegevens van een cliënt: %(kinds)s. Bevestig dat de "
                 "tekst anoniem is.", kinds=", ".join(result.labels()))


@dataclass
class SessionInput:
    starts_at: datetime  # aware
    ends_at: datetime
    break_minutes: int = 0
    net_hours: Decimal | None = None  # None: duration minus breaks
    title: str = ""

    def computed_net_hours(self) -> Decimal:
        if self.net_hours is not None:
            return self.net_hours
        minutes = (self.ends_at - self.starts_at).total_seconds() / 60 - self.break_minutes
        return (Decimal(max(minutes, 0)) / 60).quantize(Decimal("0.25"))


@dataclass
class EventInput:
    """Everything an organiser enters for one event (form-independent)."""

    type_id: int
    title: str
    organisation_id: int
    sessions: list[SessionInput]
    summary: str = ""
    description_md: str = ""
    learning_goals: str = ""
    trainer: str = ""
    case_summary: str = ""
    theme_ids: list[int] = field(default_factory=list)
    target_group_ids: list[int] = field(default_factory=list)
    co_organiser_ids: list[int] = field(default_factory=list)
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    is_online: bool = False
    online_url: str = ""
    venue_name: str = ""
    venue_kind: VenueKind | None = None
    address: str = ""
    postcode: str = ""
    city: str = ""
    accessibility_notes: str = ""
    parking_notes: str = ""
    own_transport: bool = True
    capacity: int | None = None
    max_per_organisation: int | None = None
    offer_hours: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    cancellation_deadline: datetime | None = None
    is_accredited: bool = False
    accreditation_number: str = ""
    accreditation_points: Decimal | None = None
    accreditation_valid_until: date | None = None
    open_to_other_regions: bool = False
    issues_certificate: bool | None = None
    privacy_confirmed: bool = False

    SCALARS = (
        "type_id", "title", "organisation_id", "summary", "description_md", "learning_goals",
        "trainer", "case_summary", "contact_name", "contact_email", "contact_phone", "is_online",
        "online_url", "venue_name", "venue_kind", "address", "postcode", "city",
        "accessibility_notes", "parking_notes", "own_transport", "capacity",
        "max_per_organisation", "offer_hours", "registration_opens_at", "registration_closes_at",
        "cancellation_deadline", "is_accredited", "accreditation_number", "accreditation_points",
        "accreditation_valid_until", "open_to_other_regions",
    )

    @classmethod
    def from_event(cls, event: Event) -> EventInput:
        data = {name: getattr(event, name) for name in cls.SCALARS}
        return cls(
            **data,
            sessions=[SessionInput(s.starts_at, s.ends_at, s.break_minutes, s.net_hours, s.title)
                      for s in event.sessions],
            theme_ids=[t.id for t in event.themes],
            target_group_ids=[g.id for g in event.target_groups],
            co_organiser_ids=[o.id for o in event.co_organisers],
            issues_certificate=event.issues_certificate,
        )


# --- Who may do what ---------------------------------------------------------------------

def is_region_admin_for(user: User, event: Event) -> bool:
    return bool(user.is_authenticated and user.is_region_admin
                and user.region_id == event.region_id)


def is_organiser_of(user: User, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    return any(user.is_organiser_for(org_id) for org_id in event.organisation_ids())


def can_manage(user: User, event: Event) -> bool:
    """Who runs an event: an approved organiser of one of its organisations, and the Region
    it belongs to (participants, attendance, invitations, results, workflow steps)."""
    return is_organiser_of(user, event) or is_region_admin_for(user, event)


# What the public sees. One rule, in two forms that tests/test_public_visibility.py keeps
# equal: SQL for the lists, API and feeds, Python for one event's page.

def was_published_clause():
    """Approved by the Region once: published or finished, or cancelled after publication.
    A concept or a returned proposal that is cancelled was never published."""
    return or_(Event.status.in_((EventStatus.PUBLISHED, EventStatus.FINISHED)),
               and_(Event.status == EventStatus.CANCELLED, Event.published_at.is_not(None)))


def members_only_clause():
    """Klankbordgroep meetings are for the group's members and the Region."""
    return exists().where(KlankbordMeeting.event_id == Event.id)


def released_clause():
    """Approved, in a programme year the Region has published: open to its audience."""
    return and_(was_published_clause(), exists().where(
        ProgrammeYear.region_id == Event.region_id, ProgrammeYear.year == Event.programme_year,
        ProgrammeYear.status == ProgrammeStatus.PUBLISHED))


def public_clause():
    """The condition every public list, page, API answer and feed applies: released and not
    members-only. A never-published event is never public, whatever its state."""
    return and_(released_clause(), ~members_only_clause())


def was_published(event: Event | EventFacts) -> bool:
    return event.status in (EventStatus.PUBLISHED, EventStatus.FINISHED) or (
        event.status is EventStatus.CANCELLED and event.published_at is not None)


def is_released(event: Event | EventFacts) -> bool:
    """Approved and in a published programme year (registration and invitations need it;
    whether a person may attend a members-only meeting is asked apart)."""
    return was_published(event) and programme_is_published(event.region_id, event.programme_year)


def is_publicly_visible(event: Event | EventFacts) -> bool:
    return is_released(event) and not is_members_only(event.id)


def is_members_only(event_id: int) -> bool:
    """Asked by every event page: answered once per request."""
    memo = g.setdefault("members_only", {}) if has_request_context() else {}
    if event_id not in memo:
        memo[event_id] = db.session.scalar(select(KlankbordMeeting.id).where(
            KlankbordMeeting.event_id == event_id)) is not None
    return memo[event_id]


def is_organiser_in_region(user: User, region_id: int) -> bool:
    return bool(user.is_authenticated and any(
        o.region_id == region_id for o in user.organiser_of()))


def in_draft_programme(user: User, event: Event) -> bool:
    """Approved events of a year still in preparation: the region's organisers see them
    (not the klankbordgroep meetings, which are for their members)."""
    return (was_published(event) and is_organiser_in_region(user, event.region_id)
            and not is_members_only(event.id))


def attends_meeting(user: User, event: Event) -> bool:
    """A member of the klankbordgroep whose (approved) meeting this is."""
    if not (user.is_authenticated and was_published(event) and is_members_only(event.id)):
        return False
    return membership.may_attend(user, event)


def can_view(user: User, event: Event) -> bool:
    return (is_publicly_visible(event) or can_manage(user, event)
            or in_draft_programme(user, event)
            or attends_meeting(user, event))


def can_edit(user: User, event: Event) -> bool:
    if is_region_admin_for(user, event):
        return event.status is not EventStatus.CANCELLED
    return is_organiser_of(user, event) and event.status in EDITABLE_BY_ORGANISER


def can_create_for(user: User, organisation: Organisation) -> bool:
    if user.is_region_admin and user.region_id == organisation.region_id:
        return True
    return user.is_organiser_for(organisation.id)


def remember_public(event: EventFacts) -> None:
    """The page cache kept ``event`` as public at this data version: its programme year is
    published and it is no members-only meeting. Spare the request the questions."""
    g.setdefault("published_years", {})[(event.region_id, event.programme_year)] = True
    g.setdefault("members_only", {})[event.id] = False


def programme_is_published(region_id: int, year: int) -> bool:
    """Asked several times per page: answered once per request."""
    memo = g.setdefault("published_years", {}) if has_request_context() else {}
    key = (region_id, year)
    if key not in memo:
        status = db.session.scalar(select(ProgrammeYear.status).where(
            ProgrammeYear.region_id == region_id, ProgrammeYear.year == year))
        memo[key] = status is ProgrammeStatus.PUBLISHED
    return memo[key]


# --- Validation --------------------------------------------------------------------------

def validate(data: EventInput, *, existing: Event | None = None, now: datetime | None = None
             ) -> dict[str, str]:
    """Field errors in Dutch; empty when the input may be saved."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Geef de activiteit een titel.")
    if not data.sessions:
        errors["sessions"] = _("Een activiteit heeft minstens één bijeenkomst.")
    for index, session in enumerate(data.sessions):
        if session.ends_at <= session.starts_at:
            errors[f"sessions-{index}-ends_at"] = _("De eindtijd ligt vóór of op de begintijd.")
        elif session.net_hours is not None and session.net_hours < 0:
            errors[f"sessions-{index}-net_hours"] = _("Netto uren kunnen niet negatief zijn.")
        elif session.computed_net_hours() > Decimal(
                (session.ends_at - session.starts_at).total_seconds()) / 3600:
            errors[f"sessions-{index}-net_hours"] = (
                _("Netto uren kunnen niet meer zijn dan de duur van de bijeenkomst."))
        if session.break_minutes < 0:
            errors[f"sessions-{index}-break_minutes"] = _("Pauze kan niet negatief zijn.")
    ordered = sorted(enumerate(data.sessions), key=lambda pair: pair[1].starts_at)
    for (_first_index, first), (index, second) in pairwise(ordered):
        if second.starts_at < first.ends_at:
            errors.setdefault(f"sessions-{index}-starts_at",
                              _("Deze bijeenkomst overlapt met een andere bijeenkomst."))
    starts_before = existing.starts_at if existing is not None and existing.sessions else None
    for index, session in enumerate(data.sessions):
        in_past = session.starts_at < now
        unchanged = existing is not None and starts_before is not None and any(
            s.starts_at == session.starts_at for s in existing.sessions)
        if in_past and not unchanged:
            errors.setdefault(f"sessions-{index}-starts_at",
                              _("Een nieuwe bijeenkomst kan niet in het verleden liggen."))
    if data.capacity is not None and data.capacity < 0:
        errors["capacity"] = _("Het aantal plaatsen kan niet negatief zijn.")
    if data.offer_hours is not None and not 1 <= data.offer_hours <= 24 * 14:
        errors["offer_hours"] = _("Geef een aantal uren tussen 1 en 336 (twee weken), of laat "
                                  "het leeg.")
    if data.max_per_organisation is not None:
        if data.max_per_organisation < 1:
            errors["max_per_organisation"] = _("Het maximum per organisatie is minstens 1.")
        elif data.capacity is not None and data.max_per_organisation > data.capacity:
            errors["max_per_organisation"] = (
                _("Het maximum per organisatie is groter dan het aantal plaatsen."))
    if data.is_online:
        if not data.online_url.startswith(("https://", "http://")):
            errors["online_url"] = _("Geef de link van de online bijeenkomst (https://…).")
    else:
        if not data.address.strip() or not data.city.strip():
            errors["address"] = _("Geef het adres en de plaats van de bijeenkomst.")
    if data.is_accredited:
        if not data.accreditation_number.strip():
            errors["accreditation_number"] = _("Geef het SKJ-accreditatienummer.")
        if data.accreditation_points is None or data.accreditation_points <= 0:
            errors["accreditation_points"] = _("Geef het aantal SKJ-punten.")
        valid_until = data.accreditation_valid_until
        if valid_until is not None and data.sessions:
            last_day = max(s.starts_at for s in data.sessions).astimezone(AMSTERDAM).date()
            if last_day > valid_until:
                errors["accreditation_valid_until"] = _(
                    "De accreditatie is dan niet meer geldig: de laatste bijeenkomst is op "
                    "%(day)s.", day=format_day(last_day, "long"))
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and data.sessions and opens >= min(s.starts_at for s in data.sessions):
        errors["registration_opens_at"] = _("De aanmelding moet opengaan vóór het begin van "
                                            "de activiteit.")
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = _("De aanmelding sluit vóórdat ze opengaat.")
    if closes and data.sessions and closes > max(s.ends_at for s in data.sessions):
        errors["registration_closes_at"] = _("De aanmelding sluit na afloop van de activiteit.")
    if data.cancellation_deadline and data.sessions and (
            data.cancellation_deadline > min(s.starts_at for s in data.sessions)):
        errors["cancellation_deadline"] = _("De afmeldtermijn ligt na het begin van de activiteit.")
    return errors


def _allowed_place_names() -> list[str]:
    return list(db.session.scalars(select(Municipality.name)))


def _registered_organisation_names() -> list[str]:
    return list(db.session.scalars(select(Organisation.name)))


def guard_texts(texts: dict[str, str], *, confirmed: bool,
                known_context: Iterable[str] = ()) -> list[dict]:
    """The anonymisation guard over named free texts, one rule for every form: identifiers
    block (PrivacyCheckFailed), names, dates and places need the author's confirmation;
    returns the confirmed findings (to store for the Region's review). The portal's own data
    (registered organisations, and the venue, trainer and coupled title given) is not flagged."""
    allowed = _allowed_place_names()
    known = [*_registered_organisation_names(), *known_context]
    results = {}
    for name, value in texts.items():
        result = anonymisation.check_text(value or "", allowed_terms=allowed, known_context=known)
        if not result.is_clean:
            results[name] = result
    if any(r.blocking for r in results.values()):
        raise PrivacyCheckFailed(results, needs_confirmation=False)
    if results and not confirmed:
        raise PrivacyCheckFailed(results, needs_confirmation=True)
    return [dict(field=name, **f.as_dict()) for name, r in results.items() for f in r.findings]


def check_privacy(data: EventInput, event_type: EventType) -> list[dict]:
    """Case discussions: their texts pass the guard."""
    if not event_type.handles_cases:
        return []
    return guard_texts({name: getattr(data, name) for name in
                        ("case_summary", "description_md", "summary", "learning_goals", "title")},
                       confirmed=data.privacy_confirmed,
                       known_context=(data.venue_name, data.address, data.postcode, data.city,
                                      data.trainer, data.contact_name))


# --- Creating and editing ----------------------------------------------------------------

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


# --- Workflow ----------------------------------------------------------------------------

def submit(event: Event, *, by: User) -> None:
    if not can_manage(by, event):
        raise ProgrammeError(_("Je kunt deze activiteit niet indienen."))
    if event.status is not EventStatus.CONCEPT:
        raise ProgrammeError(_("Alleen een concept kan worden ingediend."))
    event.status = EventStatus.SUBMITTED
    event.submitted_at = utcnow()
    event.return_reason = ""
    audit.record("event.submitted", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id)


def publish(event: Event, *, by: User) -> None:
    """The Region approves an event. It becomes public once its programme year is published."""
    if not is_region_admin_for(by, event):
        raise ProgrammeError(_("Alleen de regio kan activiteiten publiceren."))
    if event.status not in (EventStatus.SUBMITTED, EventStatus.CONCEPT):
        raise ProgrammeError(_("Deze activiteit kan niet gepubliceerd worden."))
    event.status = EventStatus.PUBLISHED
    event.published_at = utcnow()
    event.privacy_review_needed = False
    audit.record("event.published", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id)
    _notify_organisers(event, "event_published", _l("Je activiteit is goedgekeurd"))


def return_to_organiser(event: Event, *, by: User, reason: str) -> None:
    if not is_region_admin_for(by, event):
        raise ProgrammeError(_("Alleen de regio kan activiteiten terugsturen."))
    if not reason.strip():
        raise ProgrammeError(errors={"reason": _("Geef een reden, zodat de organisator weet wat er "
                                        "moet veranderen.")})
    if event.status is not EventStatus.SUBMITTED:
        raise ProgrammeError(_("Alleen een ingediende activiteit kan worden teruggestuurd."))
    event.status = EventStatus.CONCEPT
    event.return_reason = reason.strip()
    audit.record("event.returned", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id, reason=reason.strip())
    _notify_organisers(event, "event_returned", _l("Je activiteit is teruggestuurd"),
                       reason=reason.strip())


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


def finish_past_events(now: datetime | None = None) -> int:
    """Mark published events whose last session has ended as afgerond."""
    now = now or utcnow()
    count = 0
    for event in db.session.scalars(select(Event).where(Event.status == EventStatus.PUBLISHED)):
        if event.ends_at and event.ends_at < now:
            event.status = EventStatus.FINISHED
            count += 1
    return count


def publish_programme_year(region: Region, year: int, *, by: User) -> ProgrammeYear:
    """Publish a year's programme in one step: every approved event of it becomes public."""
    if not (by.is_region_admin and by.region_id == region.id):
        raise ProgrammeError(_("Alleen de regio kan het jaarprogramma publiceren."))
    programme = get_programme_year(region, year, create=True)
    assert programme is not None  # create=True makes the year when missing
    programme.status = ProgrammeStatus.PUBLISHED
    programme.published_at = utcnow()
    programme.published_by_id = by.id
    audit.record("programme.published", actor=by, subject=f"programme:{region.slug}:{year}")
    return programme


def get_programme_year(region: Region, year: int, *, create: bool = False) -> ProgrammeYear | None:
    programme = db.session.scalars(select(ProgrammeYear).where(
        ProgrammeYear.region_id == region.id, ProgrammeYear.year == year)).first()
    if programme is None and create:
        programme = ProgrammeYear(region_id=region.id, year=year)
        db.session.add(programme)
        db.session.flush()
    return programme


def review_queue(region: Region) -> list[Event]:
    return list(db.session.scalars(
        select(Event).where(Event.region_id == region.id, Event.status == EventStatus.SUBMITTED)
        .order_by(Event.submitted_at)))


def _notify_organisers(event: Event, template: str, subject, **extra):
    recipients = {}
    if event.created_by is not None:
        recipients[event.created_by.email] = event.created_by
    for user in organisers_of(event.organisation_id):
        recipients.setdefault(user.email, user)
    for user in recipients.values():
        outbox.queue_template_mail(
            template, to=user.email, user=user,
            subject=f"{outbox.in_language_of(user, subject)}: {event.title}",
            event=event, link=external_url("programme.event_page", event_id=event.id), **extra)


def organisers_of(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(OrganiserRole, OrganiserRole.user_id == User.id)
        .where(OrganiserRole.organisation_id == organisation_id,
               OrganiserRole.status == ApprovalStatus.APPROVED)))
