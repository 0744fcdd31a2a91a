"""The feeds' own iCalendar writer says exactly what icalendar says: the same properties
and values once parsed, with escaping (commas, semicolons, backslashes, line breaks) and
folding (long lines, multi-byte characters at the fold) done by RFC 5545."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import icalendar
import vobject

from leerhuis.models import EventStatus
from leerhuis.services import calendar_feed

AMS = ZoneInfo("Europe/Amsterdam")


def awkward_events():
    start = datetime(2026, 10, 24, 13, 0, tzinfo=AMS)
    plain = SimpleNamespace(
        id=7, title="Gesprekstechnieken", summary="", status=EventStatus.PUBLISHED,
        is_online=False, online_url="", venue_name="De Linde", address="Plein 1",
        postcode="1211 AB", city="Hilversum")
    awkward = SimpleNamespace(
        id=8, title="Scheiding; ouders, kinderen \\ en school — " + "ë" * 60,
        summary="Regel één,\nregel twee; met ‘aanhalingstekens’\r\nen een backslash \\.",
        status=EventStatus.CANCELLED, is_online=True, online_url="https://meet.example.org/x?a=1,2",
        venue_name="", address="", postcode="", city="")
    sessions = [SimpleNamespace(title="", ical_uid=f"uid-{n}@leerhuis", ical_sequence=n,
                                starts_at=start + timedelta(days=n),
                                ends_at=start + timedelta(days=n, hours=3)) for n in range(2)]
    sessions[1].title = "Terugkomdag, deel 2"
    return [(plain, sessions[0]), (awkward, sessions[1])]


def decoded(vevent) -> dict:
    return {key: vevent.decoded(key) for key in vevent if key != "DTSTAMP"}


def test_the_feed_writer_equals_icalendar_property_by_property(app):
    with app.test_request_context():
        texts = calendar_feed.FeedTexts.current()
        ours = calendar_feed.write_publish("Mijn Leerhuis, 2026", [
            calendar_feed.feed_vevent(event, session, texts, include_online_link=True)
            for event, session in awkward_events()])
        theirs = calendar_feed.new_calendar("PUBLISH", "Mijn Leerhuis, 2026")
        for event, session in awkward_events():
            theirs.add_component(calendar_feed.session_vevent(event, session,
                                                              include_online_link=True))
    assert all(len(line.encode()) <= 75 for line in ours.decode().split("\r\n"))
    assert ours.endswith(b"END:VCALENDAR\r\n")
    parsed = icalendar.Calendar.from_ical(ours)
    expected = icalendar.Calendar.from_ical(theirs.to_ical())
    assert {k: parsed.decoded(k) for k in parsed} == {k: expected.decoded(k) for k in expected}
    assert [decoded(v) for v in parsed.walk("VEVENT")] == \
        [decoded(v) for v in expected.walk("VEVENT")]
    # A second, independent parser reads the escaped text back the same way.
    description = vobject.readOne(ours.decode()).vevent_list[1].description.value
    assert description.startswith("Regel één,\nregel twee; met ‘aanhalingstekens’\nen een")
