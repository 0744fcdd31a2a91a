"""What follows when a published event changes: the programme records the change, then
everyone registered hears of it in their calendar (an update or a cancellation, iTIP), and
the waiting list moves up when there is more room. One place for the order of those steps,
above the services that each take one (programme, calendar_invites, registrations)."""

from __future__ import annotations

from leerhuis.models import Event, User
from leerhuis.services import calendar_invites, programme, registrations
from leerhuis.services.programme import EventInput


def update_event(event: Event, data: EventInput, *, by: User) -> Event:
    """Edit an event; removed sessions are cancelled in calendars, changed times or places
    are sent as updates, and more room promotes the waiting list now rather than at the
    next cancellation."""
    change = programme.apply_update(event, data, by=by)
    for session in change.removed_sessions:
        calendar_invites.send_session_removed(change.event, session)
    if change.calendars_outdated:
        calendar_invites.send_updates(change.event)
    if change.seats_changed:
        registrations.promote_after_change(change.event.id)
    return change.event


def cancel(event: Event, *, by: User, reason: str) -> None:
    """Cancel an event; every registered calendar gets the cancellation."""
    programme.apply_cancel(event, by=by, reason=reason)
    calendar_invites.send_event_cancelled(event)
