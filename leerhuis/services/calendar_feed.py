"""iCalendar output built with icalendar (it folds, escapes and writes CRLF for us).

The public programme feed is METHOD:PUBLISH with times in UTC, which every client reads
the same way. One VEVENT per session; its UID is the session's stable ``ical_uid``.
"""

from __future__ import annotations

from datetime import UTC

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from leerhuis.models import Event, EventStatus, utcnow
from leerhuis.services.links import external_url

PRODID = "-//Regionaal Leerhuis//Leerhuis//NL"


def new_calendar(method: str, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def location_text(event: Event) -> str:
    if event.is_online:
        return "Online"
    return ", ".join(p for p in (event.venue_name, event.address,
                                 f"{event.postcode} {event.city}".strip()) if p)


def session_vevent(event: Event, session, *, include_online_link: bool = False) -> VEvent:
    link = external_url("programme.event_page", event_id=event.id)
    vevent = VEvent()
    vevent.add("uid", session.ical_uid)
    vevent.add("sequence", session.ical_sequence)
    vevent.add("dtstamp", utcnow())
    vevent.add("dtstart", session.starts_at.astimezone(UTC))
    vevent.add("dtend", session.ends_at.astimezone(UTC))
    title = event.title if not session.title else f"{event.title} — {session.title}"
    vevent.add("summary", title)
    description = [event.summary or "", _("Meer informatie: %(link)s", link=link)]
    if include_online_link and event.is_online and event.online_url:
        description.insert(1, _("Online deelnemen: %(link)s", link=event.online_url))
    vevent.add("description", "\n\n".join(p for p in description if p))
    vevent.add("location", location_text(event))
    vevent.add("url", link)
    vevent.add("status", "CANCELLED" if event.status is EventStatus.CANCELLED else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def programme_feed(events: list[Event], name: str) -> bytes:
    cal = new_calendar("PUBLISH", name)
    for event in events:
        for session in event.sessions:
            cal.add_component(session_vevent(event, session))
    return cal.to_ical()
