"""iCalendar output, always serialised by icalendar (it folds, escapes and writes CRLF).

The feeds are METHOD:PUBLISH with times in UTC, which every client reads the same way.
One VEVENT per session; its UID is the session's stable ``ical_uid``.

A feed holds hundreds of sessions and icalendar spends ~0.1 ms serialising each one, so
feeds reuse each VEVENT's serialised form: ``_vevent_bytes`` keys it by every value that
goes into it (the ``VEventData`` tuple), so a changed title, time, SEQUENCE, language or
status is a different key and can never be served stale. DTSTAMP of a feed entry is the
event's last change, which is what the entry describes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

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


class VEventData(NamedTuple):
    """Everything one session's VEVENT says."""

    uid: str
    sequence: int
    dtstamp: datetime
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str
    url: str
    cancelled: bool


class DescriptionTexts(NamedTuple):
    more_info: str
    join_online: str

    @classmethod
    def current(cls) -> DescriptionTexts:
        """In the current language; a feed looks them up once, not once per session."""
        return cls(_("Meer informatie: %(link)s"), _("Online deelnemen: %(link)s"))


def vevent_data(event, session, *, include_online_link: bool = False,
                sequence: int | None = None, dtstamp: datetime | None = None,
                link: str | None = None, texts: DescriptionTexts | None = None) -> VEventData:
    """``event`` and ``session`` may be ORM objects or rows with the same attribute names."""
    link = link or external_url("programme.event_page", event_id=event.id)
    texts = texts or DescriptionTexts.current()
    title = event.title if not session.title else f"{event.title} — {session.title}"
    description = [event.summary or "", texts.more_info % {"link": link}]
    if include_online_link and event.is_online and event.online_url:
        description.insert(1, texts.join_online % {"link": event.online_url})
    return VEventData(
        uid=session.ical_uid, sequence=session.ical_sequence if sequence is None else sequence,
        dtstamp=dtstamp or utcnow(), starts_at=session.starts_at, ends_at=session.ends_at,
        summary=title, description="\n\n".join(p for p in description if p),
        location=location_text(event), url=link,
        cancelled=event.status is EventStatus.CANCELLED)


def build_vevent(data: VEventData) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", data.uid)
    vevent.add("sequence", data.sequence)
    vevent.add("dtstamp", data.dtstamp.astimezone(UTC))
    vevent.add("dtstart", data.starts_at.astimezone(UTC))
    vevent.add("dtend", data.ends_at.astimezone(UTC))
    vevent.add("summary", data.summary)
    vevent.add("description", data.description)
    vevent.add("location", data.location)
    vevent.add("url", data.url)
    vevent.add("status", "CANCELLED" if data.cancelled else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def session_vevent(event: Event, session, *, include_online_link: bool = False) -> VEvent:
    """A session as a VEVENT stamped now (invitations, downloads)."""
    return build_vevent(vevent_data(event, session, include_online_link=include_online_link))


# --- Feeds ----------------------------------------------------------------------------------

_CACHE_SIZE = 20_000
_serialised: OrderedDict[VEventData, bytes] = OrderedDict()
_serialised_lock = threading.Lock()
_END = b"END:VCALENDAR\r\n"


def _vevent_bytes(data: VEventData) -> bytes:
    with _serialised_lock:
        found = _serialised.get(data)
        if found is not None:
            _serialised.move_to_end(data)
            return found
    found = build_vevent(data).to_ical()
    with _serialised_lock:
        _serialised[data] = found
        if len(_serialised) > _CACHE_SIZE:
            _serialised.popitem(last=False)
    return found


def publish_feed(name: str | None, entries: Iterable[VEventData]) -> bytes:
    """A METHOD:PUBLISH calendar of ``entries``. icalendar writes the calendar and every
    component; the components are joined into its body as icalendar wrote them."""
    head = new_calendar("PUBLISH", name).to_ical()
    assert head.endswith(_END)
    return head[:-len(_END)] + b"".join(_vevent_bytes(entry) for entry in entries) + _END


def event_link_builder():
    """event id → its page URL; routing runs once per feed instead of once per session."""
    sample = external_url("programme.event_page", event_id=1)
    prefix = sample[:sample.rindex("/1") + 1]
    return lambda event_id: f"{prefix}{event_id}"


def programme_feed(events: list[Event], name: str) -> bytes:
    link, texts = event_link_builder(), DescriptionTexts.current()
    return publish_feed(name, (vevent_data(event, session, dtstamp=event.updated_at,
                                           link=link(event.id), texts=texts)
                               for event in events for session in event.sessions))
