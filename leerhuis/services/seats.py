"""Seats taken per event. Until the registration module exists, nobody holds a seat."""

from __future__ import annotations

from sqlalchemy import literal


def taken_expression():
    """A correlated SQL expression: confirmed registrations of ``Event`` in the outer query."""
    return literal(0)


def taken(event_ids: list[int]) -> dict[int, int]:
    return {event_id: 0 for event_id in event_ids}


def places_left(event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - taken([event.id]).get(event.id, 0), 0)
