"""Programme rules beside the werkbezoek journey: the registration opening on the form, the
accreditation's validity, the guard on learning goals, the draft programme for organisers,
the nightly move to afgerond, series over HTTP, the approval mail and API filters."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import make_user
from sqlalchemy import select

from leerhuis import tasks
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    OrganiserRole,
    TargetGroup,
    Theme,
    utcnow,
)
from leerhuis.services import anonymisation, programme
from leerhuis.services.programme import EventInput, SessionInput

AMS = ZoneInfo("Europe/Amsterdam")
NEXT_YEAR = date.today().year + 1
DAY = date(NEXT_YEAR, 3, 9)


def type_id(code):
    return db.session.scalars(select(EventType.id).where(EventType.code == code)).one()


def form_data(provider, **overrides):
    data = {"type_id": str(type_id("training")), "organisation_id": str(provider.id),
            "title": "Gesprekstechnieken", "sessions-0-date": DAY.isoformat(),
            "sessions-0-start": "13:30", "sessions-0-end": "16:30",
            "sessions-0-break_minutes": "30", "address": "Voorbeeldstraat 1", "city": "Huizen",
            "capacity": "15", "own_transport": "y"}
    data.update(overrides)
    return data


def event_input(provider, code="werkbezoek", **overrides):
    starts = datetime.combine(DAY, time(13, 30), AMS)
    return EventInput(**{"type_id": type_id(code), "title": "Werkbezoek De Linde",
                         "organisation_id": provider.id,
                         "sessions": [SessionInput(starts, starts + timedelta(hours=3), 30)],
                         "address": "Straat 1", "city": "Huizen", "capacity": 10, **overrides})


# --- The event form ----------------------------------------------------------------------

def test_the_form_sets_the_registration_opening_and_an_edit_keeps_it(
        as_organisator, provider, organisator):
    created = as_organisator.post("/activiteiten/nieuw", data=form_data(
        provider, registration_opens_at=f"{NEXT_YEAR}-02-01T09:00"))
    assert created.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.registration_opens_at == datetime(NEXT_YEAR, 2, 1, 9, tzinfo=AMS)

    page = as_organisator.get(f"/activiteiten/{event.id}/bewerken").text
    assert f'value="{NEXT_YEAR}-02-01T09:00"' in page  # a browser sends it back unchanged
    edited = as_organisator.post(f"/activiteiten/{event.id}/bewerken", data=form_data(
        provider, title="Gesprekstechnieken (herzien)",
        registration_opens_at=f"{NEXT_YEAR}-02-01T09:00"))
    assert edited.status_code == 302
    db.session.refresh(event)
    assert event.title == "Gesprekstechnieken (herzien)"
    assert event.registration_opens_at == datetime(NEXT_YEAR, 2, 1, 9, tzinfo=AMS)


def test_registration_cannot_open_after_the_start(as_organisator, provider, organisator):
    response = as_organisator.post("/activiteiten/nieuw", data=form_data(
        provider, registration_opens_at=f"{NEXT_YEAR}-03-10T09:00"))
    assert response.status_code == 400
    assert 'id="registration_opens_at-error"' in response.text
    assert "vóór het begin" in response.text


def test_the_accreditation_must_be_valid_on_every_session_day(as_organisator, provider,
                                                              organisator):
    accredited = {"is_accredited": "y", "accreditation_number": "SKJ-2027-1",
                  "accreditation_points": "3"}
    expired = as_organisator.post("/activiteiten/nieuw", data=form_data(
        provider, accreditation_valid_until=f"{NEXT_YEAR}-03-08", **accredited))
    assert expired.status_code == 400
    assert 'id="accreditation_valid_until-error"' in expired.text
    assert "niet meer geldig" in expired.text
    assert f"9 maart {NEXT_YEAR}" in expired.text
    assert 'value="Gesprekstechnieken"' in expired.text
    assert db.session.scalars(select(Event)).first() is None
    on_the_day = as_organisator.post("/activiteiten/nieuw", data=form_data(
        provider, accreditation_valid_until=f"{NEXT_YEAR}-03-09", **accredited))
    assert on_the_day.status_code == 302


def test_the_guard_also_checks_the_learning_goals_of_case_discussions(provider, organisator):
    anonymisation._load_deduce()
    goals = "Je leert van de casus van de jongen met BSN 111222333."
    with pytest.raises(
        programme.PrivacyCheckFailed,
        match=re.escape(
            "Deze tekst bevat gegevens die niet opgeslagen mogen worden: BSN. Haal ze weg."
        ),
    ) as error:
        programme.create_event(event_input(provider, "casuistiekbespreking",
                                           learning_goals=goals), by=organisator)
    assert "learning_goals" in error.value.errors
    assert not error.value.needs_confirmation
    # Other activities do not handle cases: their goals are not checked.
    assert programme.create_event(event_input(provider, learning_goals=goals), by=organisator)


# --- The draft programme -----------------------------------------------------------------

def test_organisers_see_every_approved_event_of_next_years_draft_programme(
        client, auth, region, other_region, provider, organisator, other_organisator,
        regio_admin, deelnemer):
    approved = programme.create_event(event_input(provider, title="Goedgekeurd werkbezoek"),
                                      by=organisator)
    programme.publish(approved, by=regio_admin)
    concept = programme.create_event(event_input(provider, title="Nog een concept"),
                                     by=organisator)
    outsider = make_user(other_region, "uw@example.org")
    utrecht_org = Organisation(name="UW Jeugdhulp", type=OrganisationType.ZORGAANBIEDER,
                               region=other_region)
    db.session.add(OrganiserRole(user=outsider, organisation=utrecht_org,
                                 status=ApprovalStatus.APPROVED, decided_at=utcnow()))
    db.session.commit()
    listing = f"/programma/gooi-en-vechtstreek/{NEXT_YEAR}"

    auth.login(other_organisator)  # organiser of another organisation in the region
    page = client.get(listing).text
    assert "nog in voorbereiding" in page
    assert approved.title in page
    assert concept.title not in page
    assert client.get(f"/activiteiten/{approved.id}").status_code == 200
    assert client.get(f"/activiteiten/{concept.id}").status_code == 403
    calendar = client.get(f"{listing}?weergave=kalender&maand=3").text
    assert approved.title in calendar
    auth.logout()

    for person in (deelnemer, outsider):  # not organisers of this region
        auth.login(person)
        assert approved.title not in client.get(listing).text
        assert client.get(f"/activiteiten/{approved.id}").status_code == 403
        auth.logout()
    assert client.get("/api/v1/evenementen").json["evenementen"] == []


# --- Workflow ----------------------------------------------------------------------------

def test_the_nightly_task_moves_ended_published_events_to_afgerond(region, provider,
                                                                   organisator):
    training = db.session.get(EventType, type_id("training"))
    now = utcnow()

    def event(status, *starts):
        e = Event(region_id=region.id, type=training, organisation=provider,
                  programme_year=now.year, status=status, title=f"{status.value} {starts}",
                  address="A", city="B")
        e.sessions = [EventSession(starts_at=s, ends_at=s + timedelta(hours=2),
                                   net_hours=Decimal(2)) for s in starts]
        db.session.add(e)
        return e

    ended = event(EventStatus.PUBLISHED, now - timedelta(days=8), now - timedelta(days=1))
    running = event(EventStatus.PUBLISHED, now - timedelta(days=7), now + timedelta(days=7))
    just_started = event(EventStatus.PUBLISHED, now - timedelta(hours=1))
    concept = event(EventStatus.CONCEPT, now - timedelta(days=3))
    cancelled = event(EventStatus.CANCELLED, now - timedelta(days=3))
    db.session.commit()
    assert tasks.finish_past_events.call_local() == 1
    db.session.expire_all()
    assert ended.status is EventStatus.FINISHED
    assert [e.status for e in (running, just_started, concept, cancelled)] == [
        EventStatus.PUBLISHED, EventStatus.PUBLISHED, EventStatus.CONCEPT, EventStatus.CANCELLED]
    assert programme.finish_past_events() == 0  # nothing left to do


def test_a_series_over_http_makes_separate_monthly_concepts(as_organisator, provider,
                                                            organisator):
    data = form_data(provider, type_id=str(type_id("casuistiekbespreking")),
                     title="Maandelijkse casuïstiekbespreking",
                     **{"herhaling-every": "month", "herhaling-count": "3"})
    assert as_organisator.get("/activiteiten/reeks").status_code == 200
    response = as_organisator.post("/activiteiten/reeks", data=data)
    assert response.status_code == 302
    events = db.session.scalars(select(Event).order_by(Event.id)).all()
    assert len(events) == 3
    assert len({e.series_key for e in events}) == 1
    assert {e.status for e in events} == {EventStatus.CONCEPT}
    days = [e.sessions[0].starts_at.astimezone(AMS) for e in events]
    assert [(d.month, d.day, d.hour, d.minute) for d in days] == [
        (3, 9, 13, 30), (4, 9, 13, 30), (5, 9, 13, 30)]
    too_many = as_organisator.post("/activiteiten/reeks",
                                   data={**data, "herhaling-count": "40"})
    assert too_many.status_code == 400
    assert "tussen 2 en 24" in too_many.text
    assert db.session.scalar(select(db.func.count()).select_from(Event)) == 3


def test_publishing_mails_the_organisers_that_their_activity_is_approved(
        as_regio, provider, organisator, regio_admin, smtp, deliver_mail):
    event = programme.create_event(event_input(provider), by=organisator)
    programme.submit(event, by=organisator)
    db.session.commit()
    assert as_regio.post(f"/activiteiten/{event.id}/publiceren").status_code == 302
    deliver_mail()
    (mail,) = smtp.to(organisator.email)
    assert mail.subject == f"Je activiteit is goedgekeurd: {event.title}"
    assert "goedgekeurd" in mail.text()
    assert f"http://leerhuis.test/activiteiten/{event.id}" in mail.text()


def test_the_api_filters_by_theme_and_doelgroep(client, region, provider, organisator,
                                                regio_admin):
    event = programme.create_event(event_input(provider), by=organisator)
    event.themes = [db.session.scalars(select(Theme).where(Theme.slug == "pleegzorg")).one()]
    event.target_groups = [db.session.scalars(select(TargetGroup).where(
        TargetGroup.slug == "jeugdconsulenten")).one()]
    programme.publish(event, by=regio_admin)
    programme.publish_programme_year(region, NEXT_YEAR, by=regio_admin)
    db.session.commit()

    def ids(query):
        return [e["id"] for e in client.get(f"/api/v1/evenementen?{query}").json["evenementen"]]

    assert ids("thema=pleegzorg") == [event.id]
    assert ids("thema=veerkracht") == []
    assert ids("doelgroep=jeugdconsulenten") == [event.id]
    assert ids("doelgroep=huisartsen-en-poh-ggz") == []
    assert ids(f"thema=pleegzorg&doelgroep=jeugdconsulenten&jaar={NEXT_YEAR}") == [event.id]
