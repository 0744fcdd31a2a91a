"""What becomes public: a never-published event is never public, in any state, and a
klankbordgroep meeting is for its members and the Region only. Every public surface is
asked: the programme list and calendar, its search, the event page, the API (list and
detail) and the programme feed; anonymous visitors and logged-in deelnemers (who get the
page cache's public copy) alike."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventStatus,
    EventType,
    GroupType,
    KlankbordGroup,
    KlankbordMember,
    Organisation,
    OrganisationType,
    ProgrammeStatus,
    ProgrammeYear,
)
from leerhuis.services import catalogue, event_changes, klankbordgroep, programme, registrations
from leerhuis.services.programme import EventInput, SessionInput

AMS = ZoneInfo("Europe/Amsterdam")
NEXT_YEAR = date.today().year + 1
DAY = date(NEXT_YEAR, 3, 9)
LISTING = f"/programma/gooi-en-vechtstreek/{NEXT_YEAR}"


def event_input(provider, title: str) -> EventInput:
    starts = datetime.combine(DAY, time(13, 30), AMS)
    werkbezoek = db.session.scalars(select(EventType.id).where(
        EventType.code == "werkbezoek")).one()
    return EventInput(type_id=werkbezoek, title=title, organisation_id=provider.id,
                      summary=f"Samenvatting van {title}",
                      sessions=[SessionInput(starts, starts + timedelta(hours=3), 30)],
                      address="Straat 1", city="Huizen", capacity=10)


@pytest.fixture
def events(region, provider, organisator, regio_admin):
    """A concept cancelled before anyone saw it, one the Region sent back and that was
    then cancelled, and one cancelled after publication, in a published programme year."""
    concept = programme.create_event(event_input(provider, "Geheimconcept"), by=organisator)
    event_changes.cancel(concept, by=organisator, reason="Toch niet.")
    returned = programme.create_event(event_input(provider, "Teruggestuurd voorstel"),
                                      by=organisator)
    programme.submit(returned, by=organisator)
    programme.return_to_organiser(returned, by=regio_admin, reason="Past niet in het programma.")
    event_changes.cancel(returned, by=organisator, reason="Dan maar niet.")
    withdrawn = programme.create_event(event_input(provider, "Afgelast werkbezoek"),
                                       by=organisator)
    programme.submit(withdrawn, by=organisator)
    programme.publish(withdrawn, by=regio_admin)
    event_changes.cancel(withdrawn, by=regio_admin, reason="De gastheer is ziek.")
    programme.publish_programme_year(region, NEXT_YEAR, by=regio_admin)
    db.session.commit()
    return {"hidden": [concept, returned], "cancelled": withdrawn}


def public_surfaces(client, event: Event) -> dict[str, bool]:
    """Per public surface: whether ``event`` shows there."""
    api = client.get("/api/v1/evenementen?regio=gooi-en-vechtstreek").json["evenementen"]
    feed = icalendar.Calendar.from_ical(
        client.get("/programma/gooi-en-vechtstreek/programma.ics").data
    )
    return {
        "list": event.title in client.get(LISTING).text,
        "calendar": event.title in client.get(f"{LISTING}?weergave=kalender&maand=3").text,
        # Every event's summary holds the word (the meeting's title does).
        "search": event.title in client.get(f"{LISTING}?q=van").text,
        "page": client.get(f"/activiteiten/{event.id}").status_code == 200,
        "api": event.id in [e["id"] for e in api],
        "api_detail": client.get(f"/api/v1/evenementen/{event.id}").status_code == 200,
        "feed": any(event.title in str(v["SUMMARY"]) for v in feed.walk("VEVENT")),
        "feed_summary": bool(event.summary) and event.summary in client.get(
            "/programma/gooi-en-vechtstreek/programma.ics").text,
    }


NOWHERE = dict.fromkeys(("list", "calendar", "search", "page", "api", "api_detail", "feed",
                         "feed_summary"), False)
EVERYWHERE = dict.fromkeys(NOWHERE, True)


def test_a_never_published_event_is_public_nowhere_once_cancelled(client, events):
    for event in events["hidden"]:
        assert event.status is EventStatus.CANCELLED
        assert event.published_at is None
        assert public_surfaces(client, event) == NOWHERE, event.title
        assert client.get(f"/activiteiten/{event.id}").status_code == 404


def test_nor_for_a_logged_in_deelnemer_who_gets_the_cached_public_pages(as_deelnemer, events):
    for _round in range(2):  # the second round is served from the page cache
        for event in events["hidden"]:
            assert public_surfaces(as_deelnemer, event) == NOWHERE, event.title
            assert as_deelnemer.get(f"/activiteiten/{event.id}").status_code == 403


def test_a_published_then_cancelled_event_stays_visible_as_cancelled(client, events):
    event = events["cancelled"]
    assert public_surfaces(client, event) == EVERYWHERE
    assert "geannuleerd" in client.get(f"/activiteiten/{event.id}").text
    detail = client.get(f"/api/v1/evenementen/{event.id}").json
    assert detail["status"] == "geannuleerd"


def test_the_organiser_and_the_region_still_see_the_cancelled_concept(
        client, auth, events, organisator, regio_admin):
    concept = events["hidden"][0]
    for person in (organisator, regio_admin):
        auth.login(person)
        assert client.get(f"/activiteiten/{concept.id}").status_code == 200
        assert concept.title in client.get(LISTING).text
        auth.logout()


def test_the_sql_rule_and_the_python_rule_agree_in_every_state(region, provider, organisator,
                                                                regio_admin):
    """The lists ask the database, a single page asks the event: both must say the same."""
    programme.publish_programme_year(region, NEXT_YEAR, by=regio_admin)
    made = []
    for status in EventStatus:
        for was_published in (False, True):
            event = programme.create_event(event_input(provider, f"{status.value} {was_published}"),
                                           by=organisator)
            event.status = status
            event.published_at = event.created_at if was_published else None
            made.append(event)
    db.session.commit()
    listed = set(db.session.scalars(select(Event.id).where(programme.public_clause())))
    for event in made:
        assert programme.is_publicly_visible(event) is (event.id in listed), event.title


# --- Klankbordgroep meetings -------------------------------------------------------------

@pytest.fixture
def meeting(region, regio_admin, deelnemer):
    db.session.add(Organisation(name="Regio Gooi en Vechtstreek", type=OrganisationType.REGIO,
                                region=region))
    group = KlankbordGroup(region_id=region.id, name="Zo thuis mogelijk opgroeien",
                           type=GroupType.PARTNERS, chair=regio_admin)
    group.members = [KlankbordMember(user=deelnemer, organisation_id=deelnemer.organisation_id)]
    db.session.add(group)
    db.session.flush()
    meeting = klankbordgroep.plan_meeting(group, day=DAY, start=time(10), end=time(12),
                                          place="Gemeentehuis, Hilversum", by=regio_admin,
                                          title="Klankbordgroep van de partners")
    db.session.flush()
    db.session.scalars(select(ProgrammeYear).where(ProgrammeYear.region_id == region.id)).one(
        ).status = ProgrammeStatus.PUBLISHED
    db.session.commit()
    return meeting


def test_a_klankbordgroep_meeting_is_not_in_the_public_programme(client, meeting):
    assert public_surfaces(client, meeting.event) == NOWHERE
    assert client.get(f"/activiteiten/{meeting.event.id}").status_code == 404


def test_a_deelnemer_outside_the_group_does_not_see_the_meeting(
        client, auth, meeting, other_organisator):
    auth.login(other_organisator)  # organiser in the region, not a member
    assert public_surfaces(client, meeting.event) == NOWHERE
    assert client.get(f"/activiteiten/{meeting.event.id}").status_code == 403


def test_members_open_and_register_for_their_meeting_without_leaking_it_into_the_cache(
        client, auth, meeting, deelnemer):
    auth.login(deelnemer)
    page = client.get(f"/activiteiten/{meeting.event.id}")
    assert page.status_code == 200
    assert "Klankbordgroep van de partners" in page.text
    assert registrations.registration_closed_reason(meeting.event, deelnemer) is None
    auth.logout()
    # The member's page was not kept as the public copy.
    assert client.get(f"/activiteiten/{meeting.event.id}").status_code == 404


def test_the_region_sees_the_meeting_in_its_programme(as_regio, meeting):
    assert meeting.event.title in as_regio.get(LISTING).text
    assert as_regio.get(f"/activiteiten/{meeting.event.id}").status_code == 200


def test_the_catalogue_lists_no_meeting_for_the_api(meeting):
    assert catalogue.public_events(region_slug="gooi-en-vechtstreek") == []
