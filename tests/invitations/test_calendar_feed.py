"""Feeds reuse each session's serialised VEVENT: the result is byte for byte what icalendar
writes for the whole calendar, awkward text included, and a change is never served stale."""

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


def test_a_feed_is_byte_for_byte_what_icalendar_writes_for_the_whole_calendar(app):
    stamp = datetime(2026, 10, 1, 8, 0, tzinfo=AMS)
    with app.test_request_context():
        entries = [calendar_feed.vevent_data(event, session, include_online_link=True,
                                             dtstamp=stamp) for event, session in awkward_events()]
        ours = calendar_feed.publish_feed("Mijn Leerhuis, 2026", entries)
        again = calendar_feed.publish_feed("Mijn Leerhuis, 2026", entries)  # from the cache
        whole = calendar_feed.new_calendar("PUBLISH", "Mijn Leerhuis, 2026")
        for entry in entries:
            whole.add_component(calendar_feed.build_vevent(entry))
    assert ours == again == whole.to_ical()
    assert all(len(line.encode()) <= 75 for line in ours.decode().split("\r\n"))
    # A second, independent parser reads the escaped text back the same way.
    description = vobject.readOne(ours.decode()).vevent_list[1].description.value
    assert description.startswith("Regel één,\nregel twee; met ‘aanhalingstekens’\nen een")


def test_a_changed_session_is_never_served_from_the_cache(app):
    stamp = datetime(2026, 10, 1, 8, 0, tzinfo=AMS)
    (event, session), _ = awkward_events()
    with app.test_request_context():
        before = calendar_feed.publish_feed("x", [calendar_feed.vevent_data(event, session,
                                                                            dtstamp=stamp)])
        session.ical_sequence += 1
        event.title = "Gesprekstechnieken (verplaatst)"
        after = calendar_feed.publish_feed("x", [calendar_feed.vevent_data(event, session,
                                                                           dtstamp=stamp)])
    (old,) = icalendar.Calendar.from_ical(before).walk("VEVENT")
    (new,) = icalendar.Calendar.from_ical(after).walk("VEVENT")
    assert new["SEQUENCE"] == old["SEQUENCE"] + 1
    assert new["UID"] == old["UID"]
    assert str(new["SUMMARY"]) == "Gesprekstechnieken (verplaatst)"
