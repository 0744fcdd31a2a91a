"""What an organiser enters for an event, and the checks it passes before it is saved.

Rules enforced here:
- sessions end after they start, do not overlap, and a new event does not start in the past;
- an on-site event needs an address, an accredited one a number and points;
- texts of case discussions (learning goals included) pass the anonymisation guard: clear
  identifiers block saving, names/dates/places need confirmation and flag the event for the
  Region's privacy review;
- an accreditation is valid on every session day; registration opens before the start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise

from flask_babel import gettext as _
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.formatting import AMSTERDAM, format_day
from leerhuis.models import (
    Event,
    EventType,
    Municipality,
    Organisation,
    VenueKind,
    utcnow,
)
from leerhuis.services import anonymisation
from leerhuis.services.programme.errors import PrivacyCheckFailed


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
