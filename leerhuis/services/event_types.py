"""Kinds of activity: the built-in ones (werkbezoek, casuïstiekbespreking, training,
spiegelbijeenkomst, klankbordgroep, intervisie, webinar) and those a region adds.

Rules enforced here:
- only a regio-beheerder adds types, for their own region, and edits only those; built-in
  types are shared by every region and cannot be changed here;
- a code is short (2–40), lower-case letters, digits and hyphens, and unique: it appears in
  programme filters, the public API and the iCal feed;
- a type has a Dutch and an English name, says whether it gives a bewijs van deelname, how it
  counts for SKJ when not accredited (informeel leren / vrije ruimte, reflectie, or not at
  all), and whether it handles cases (then its texts pass the anonymisation guard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import EventType, Region, SkjCategory, User
from leerhuis.services import audit

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class EventTypeError(DomainError):
    """Only the Region manages its kinds of activity, and not the built-in ones."""


@dataclass
class EventTypeInput:
    code: str
    name_nl: str
    name_en: str
    issues_certificate: bool = True
    skj_category: SkjCategory = SkjCategory.INFORMEEL
    handles_cases: bool = False

    @classmethod
    def from_type(cls, event_type: EventType) -> EventTypeInput:
        return cls(event_type.code, event_type.name_nl, event_type.name_en,
                   event_type.issues_certificate, event_type.skj_category,
                   event_type.handles_cases)


def types_for(region: Region) -> list[EventType]:
    """The types a region's events can have: built-in first, then the region's own."""
    return list(db.session.scalars(
        select(EventType).where(or_(EventType.region_id.is_(None),
                                    EventType.region_id == region.id))
        .order_by(EventType.builtin.desc(), EventType.name_nl)))


def editable_type(region: Region, type_id: int) -> EventType | None:
    """One of the region's own types; None for built-in types and other regions' types."""
    return db.session.scalars(select(EventType).where(
        EventType.id == type_id, EventType.region_id == region.id,
        EventType.builtin.is_(False))).first()


def _validate(data: EventTypeInput, existing: EventType | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    code = data.code.strip().lower()
    if not 2 <= len(code) <= 40 or not CODE_PATTERN.match(code):
        errors["code"] = _("Gebruik 2 tot 40 kleine letters, cijfers of streepjes, "
                           "bijvoorbeeld supervisie of e-learning.")
    else:
        taken = select(EventType.id).where(func.lower(EventType.code) == code)
        if existing is not None:
            taken = taken.where(EventType.id != existing.id)
        if db.session.scalar(taken) is not None:
            errors["code"] = _("Deze code is al in gebruik. Kies een andere.")
    if not data.name_nl.strip():
        errors["name_nl"] = _("Geef de Nederlandse naam.")
    if not data.name_en.strip():
        errors["name_en"] = _("Geef de Engelse naam.")
    return errors


def _apply(event_type: EventType, data: EventTypeInput) -> None:
    event_type.code = data.code.strip().lower()
    event_type.name_nl = data.name_nl.strip()
    event_type.name_en = data.name_en.strip()
    event_type.issues_certificate = data.issues_certificate
    event_type.skj_category = data.skj_category
    event_type.handles_cases = data.handles_cases


def _require_admin(by: User, region: Region | None) -> None:
    # No region (a built-in type): no regio-beheerder manages it.
    if region is None or not (by.is_region_admin and by.region_id == region.id):
        raise EventTypeError(_("Alleen de regio kan soorten activiteiten beheren."))


def create_type(region: Region, data: EventTypeInput, *, by: User) -> EventType:
    _require_admin(by, region)
    errors = _validate(data, None)
    if errors:
        raise EventTypeError(errors=errors)
    event_type = EventType(region_id=region.id, builtin=False)
    _apply(event_type, data)
    db.session.add(event_type)
    db.session.flush()
    audit.record("event_type.created", actor=by, subject=f"event_type:{event_type.code}")
    return event_type


def update_type(event_type: EventType, data: EventTypeInput, *, by: User) -> EventType:
    if event_type.builtin or event_type.region_id is None:
        raise EventTypeError(_("Ingebouwde soorten kunnen niet worden gewijzigd."))
    _require_admin(by, event_type_region(event_type))
    errors = _validate(data, event_type)
    if errors:
        raise EventTypeError(errors=errors)
    _apply(event_type, data)
    db.session.flush()
    audit.record("event_type.updated", actor=by, subject=f"event_type:{event_type.code}")
    return event_type


def event_type_region(event_type: EventType) -> Region | None:
    if event_type.region_id is None:
        return None
    return db.session.get(Region, event_type.region_id)
