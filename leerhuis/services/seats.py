"""Seats taken per event: confirmed registrations and places held for an open offer."""

from __future__ import annotations

from sqlalchemy import func, select

from leerhuis.extensions import db
from leerhuis.models import SEAT_STATUSES, Event, Registration


def taken_expression():
    """A correlated SQL expression: confirmed registrations of ``Event`` in the outer query."""
    return (select(func.count(Registration.id))
            .where(Registration.event_id == Event.id,
                   Registration.status.in_(SEAT_STATUSES))
            .correlate(Event).scalar_subquery())


def taken(event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(Registration.event_id, func.count()).where(
            Registration.event_id.in_(event_ids),
            Registration.status.in_(SEAT_STATUSES))
        .group_by(Registration.event_id)).all()
    counts = {event_id: 0 for event_id in event_ids}
    counts.update(dict(rows))
    return counts


def places_left(event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - taken([event.id]).get(event.id, 0), 0)
