"""What the public sees of the programme.

Rules enforced here:
- an event is shown to the public only when it is published *and* its programme year is
  published (next year's programme is prepared as a draft in the autumn); a never-published
  event is never public, in any state (a concept or returned proposal that is cancelled
  stays hidden; one cancelled after publication stays visible as geannuleerd);
- klankbordgroep meetings are never public: their members and the Region see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, has_request_context
from sqlalchemy import and_, exists, or_, select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventStatus,
    KlankbordMeeting,
    ProgrammeStatus,
    ProgrammeYear,
)

if TYPE_CHECKING:
    from leerhuis.services.catalogue import EventFacts


# What the public sees. One rule, in two forms that tests/programme/test_public_visibility.py keeps
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
