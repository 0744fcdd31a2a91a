"""iCalendar output. Invitations are built with icalendar (it folds, escapes and writes
CRLF for us); the feeds, which hold hundreds of events, are written by ``write_publish``:
the same properties, escaped and folded by RFC 5545 in plain string work (icalendar spends
~1.4 ms per event on it; a personal feed of 500 registrations took 700 ms).

The feeds are METHOD:PUBLISH with times in UTC, which every client reads the same way.
One VEVENT per session; its UID is the session's stable ``ical_uid``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

from flask import current_app
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
    texts = FeedTexts.current()
    return write_publish(name, (feed_vevent(event, session, texts) for event in events
                                for session in event.sessions))


# --- The feeds' own writer ----------------------------------------------------------------

@dataclass(frozen=True)
class FeedTexts:
    """What every VEVENT of one feed shares: translated templates and the URL builder,
    looked up once per feed instead of once per event."""

    more_info: str
    join_online: str
    event_url: Callable[[int], str]
    stamp: str

    @classmethod
    def current(cls) -> FeedTexts:
        base = current_app.config["BASE_URL"]
        parts = urlsplit(base)
        adapter = current_app.url_map.bind(parts.netloc or "localhost",
                                           url_scheme=parts.scheme or "http",
                                           script_name=parts.path or "/")
        # Routing builds one event URL; the others differ only in the id at its end.
        sample = adapter.build("programme.event_page", {"event_id": 1}, force_external=True)
        prefix = sample[:sample.rindex("/1") + 1]
        return cls(more_info=_("Meer informatie: %(link)s"),
                   join_online=_("Online deelnemen: %(link)s"),
                   event_url=lambda event_id: f"{prefix}{event_id}", stamp=_utc(utcnow()))


def feed_vevent(event, session, texts: FeedTexts, *, sequence: int | None = None,
                include_online_link: bool = False) -> list[tuple[str, str]]:
    """The properties of ``session_vevent`` as (name, already escaped value) pairs.
    ``event`` and ``session`` may be ORM objects or rows with the same attribute names."""
    link = texts.event_url(event.id)
    title = event.title if not session.title else f"{event.title} — {session.title}"
    description = [event.summary or "", texts.more_info % {"link": link}]
    if include_online_link and event.is_online and event.online_url:
        description.insert(1, texts.join_online % {"link": event.online_url})
    cancelled = event.status is EventStatus.CANCELLED
    return [("SUMMARY", _text(title)), ("DTSTART", _utc(session.starts_at)),
            ("DTEND", _utc(session.ends_at)), ("DTSTAMP", texts.stamp),
            ("UID", _text(session.ical_uid)),
            ("SEQUENCE", str(session.ical_sequence if sequence is None else sequence)),
            ("DESCRIPTION", _text("\n\n".join(p for p in description if p))),
            ("LOCATION", _text(location_text(event))),
            ("STATUS", "CANCELLED" if cancelled else "CONFIRMED"), ("TRANSP", "OPAQUE"),
            ("URL", link)]


def write_publish(name: str | None, vevents: Iterable[list[tuple[str, str]]]) -> bytes:
    lines = ["BEGIN:VCALENDAR", f"PRODID:{_text(PRODID)}", "VERSION:2.0", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if name:
        # As icalendar writes it: an X- property of unknown type goes out unescaped.
        lines.append(_fold("X-WR-CALNAME:" + " ".join(str(name).splitlines())))
    for properties in vevents:
        lines.append("BEGIN:VEVENT")
        lines.extend(_fold(f"{key}:{value}") for key, value in properties)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """RFC 5545 §3.3.11: backslash, semicolon and comma escaped, line breaks as \\n."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """RFC 5545 §3.1: at most 75 octets per line, continued after CRLF and a space; never
    inside a UTF-8 character."""
    if line.isascii():
        if len(line) <= 75:
            return line
        return "\r\n ".join([line[:75], *(line[i:i + 74] for i in range(75, len(line), 74))])
    raw = line.encode()
    parts, start, limit = [], 0, 75
    while len(raw) - start > limit:
        end = start + limit
        while raw[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(raw[start:end])
        start, limit = end, 74
    parts.append(raw[start:])
    return b"\r\n ".join(parts).decode()
