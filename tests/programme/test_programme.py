"""The programme: the werkbezoek journey through the workflow, filters, API and feed,
validation, permissions and the anonymisation guard."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import make_event
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventStatus,
    EventType,
    TargetGroup,
    Theme,
    utcnow,
)
from leerhuis.services import anonymisation, programme
from leerhuis.services.programme import EventInput, SessionInput

AMS = ZoneInfo("Europe/Amsterdam")
NEXT_YEAR = date.today().year + 1
VISIT_DAY = date(NEXT_YEAR, 3, 9)


@pytest.fixture(scope="module", autouse=True)
def _deduce_loaded():
    anonymisation._load_deduce()


def type_id(code):
    return db.session.scalars(select(EventType.id).where(EventType.code == code)).one()


def form_data(provider, **overrides):
    theme = db.session.scalars(select(Theme).where(Theme.slug == "gezinshuizen")).one()
    group = db.session.scalars(
        select(TargetGroup).where(TargetGroup.slug == "jeugdconsulenten")
    ).one()
    data = {"type_id": str(type_id("werkbezoek")), "organisation_id": str(provider.id),
            "title": "Werkbezoek Gezinshuis De Linde",
            "summary": "Kennismaken met het leven in een gezinshuis.",
            "sessions-0-date": VISIT_DAY.isoformat(), "sessions-0-start": "13:30",
            "sessions-0-end": "16:30", "sessions-0-break_minutes": "30",
            "address": "Voorbeeldstraat 1", "postcode": "1271 AA", "city": "Huizen",
            "capacity": "15", "max_per_organisation": "3", "own_transport": "y",
            "theme_ids": str(theme.id), "target_group_ids": str(group.id)}
    data.update(overrides)
    return data


def event_input(provider, **overrides):
    starts = datetime.combine(VISIT_DAY, time(13, 30), AMS)
    values = {
        "type_id": type_id("werkbezoek"),
        "title": "Werkbezoek",
        "organisation_id": provider.id,
        "sessions": [SessionInput(starts, starts + timedelta(hours=3), 30)],
        "address": "Straat 1",
        "city": "Huizen",
        "capacity": 10,
    }
    values.update(overrides)
    return EventInput(**values)


def test_the_werkbezoek_journey_from_organiser_to_programme_api_and_feed(
        app, client, auth, provider, organisator, regio_admin, smtp, deliver_mail):
    auth.login(organisator)
    created = client.post("/activiteiten/nieuw", data=form_data(provider))
    assert created.status_code == 302
    visit = db.session.scalars(select(Event).where(Event.title.like("Werkbezoek%"))).one()
    assert visit.status is EventStatus.CONCEPT
    assert visit.programme_year == NEXT_YEAR
    assert visit.sessions[0].net_hours == Decimal("2.5")
    page = client.get(f"/activiteiten/{visit.id}")
    assert "Casuïstiekbespreking koppelen" in page.text

    case_url = f"/activiteiten/{visit.id}/casuistiekbespreking"
    form = client.get(case_url).text
    assert "Casuïstiekbespreking bij" in form
    discussion = form_data(provider, type_id=str(type_id("casuistiekbespreking")),
                           title="Casuïstiekbespreking bij het werkbezoek",
                           **{"sessions-0-start": "16:45", "sessions-0-end": "18:00",
                              "sessions-0-break_minutes": "0"})
    blocked = client.post(case_url, data={**discussion, "case_summary":
                                          "Jongen met BSN 111222333 woont in een gezinshuis."})
    assert blocked.status_code == 400
    assert "niet opgeslagen mogen worden" in blocked.text
    assert "111222333" in blocked.text
    assert "[BSN]" in blocked.text
    assert 'value="Casuïstiekbespreking bij het werkbezoek"' in blocked.text
    named = {**discussion, "case_summary": "Moeder Fatima wil dat haar zoon thuiskomt."}
    asks = client.post(case_url, data=named)
    assert asks.status_code == 400
    assert "Bevestig dat de tekst anoniem is" in asks.text
    saved = client.post(case_url, data={**named, "privacy_confirmed": "y"})
    assert saved.status_code == 302
    case = db.session.scalars(select(Event).where(Event.coupled_to_id == visit.id)).one()
    assert case.privacy_review_needed
    assert case.privacy_findings[0]["text"] == "Fatima"
    assert case.organisation_id == visit.organisation_id

    for event in (visit, case):
        assert client.post(f"/activiteiten/{event.id}/indienen").status_code == 302
    auth.logout()

    auth.login(regio_admin)
    queue = client.get("/regio/beoordelen").text
    assert visit.title in queue
    assert "Privacycontrole nodig" in queue
    client.post(f"/activiteiten/{case.id}/terugsturen", data={"reason": "Haal de naam weg."})
    db.session.expire_all()
    assert case.status is EventStatus.CONCEPT
    assert case.return_reason == "Haal de naam weg."
    deliver_mail()
    assert any("teruggestuurd" in m.subject for m in smtp.to(organisator.email))
    client.post(f"/activiteiten/{visit.id}/publiceren")
    db.session.expire_all()
    assert visit.status is EventStatus.PUBLISHED

    # Published but the year is still a draft: not public yet.
    auth.logout()
    assert client.get(f"/activiteiten/{visit.id}").status_code == 404
    assert client.get("/api/v1/evenementen").json["evenementen"] == []
    auth.login(regio_admin)
    client.post(f"/regio/programma/{NEXT_YEAR}/publiceren")
    auth.logout()

    listing = client.get(f"/programma/gooi-en-vechtstreek/{NEXT_YEAR}")
    assert visit.title in listing.text
    api = client.get(
        f"/api/v1/evenementen?regio=gooi-en-vechtstreek&jaar={NEXT_YEAR}&soort=werkbezoek"
    )
    assert api.headers["Access-Control-Allow-Origin"] == "*"
    assert [e["id"] for e in api.json["evenementen"]] == [visit.id]
    assert client.get(f"/api/v1/evenementen/{visit.id}").json["plaatsen_vrij"] == 15
    assert client.get(f"/api/v1/evenementen/{case.id}").status_code == 404
    feed = icalendar.Calendar.from_ical(
        client.get("/programma/gooi-en-vechtstreek/programma.ics").data
    )
    assert str(feed["METHOD"]) == "PUBLISH"
    assert [str(v["UID"]) for v in feed.walk("VEVENT")] == [visit.sessions[0].ical_uid]
    trainings = icalendar.Calendar.from_ical(
        client.get("/programma/gooi-en-vechtstreek/programma.ics?soort=training").data)
    assert trainings.walk("VEVENT") == []


@pytest.fixture
def published(region, provider, organisator, regio_admin):
    event = programme.create_event(event_input(provider, title="Werkbezoek Huizen"), by=organisator)
    event.themes = [db.session.scalars(select(Theme).where(Theme.slug == "pleegzorg")).one()]
    programme.publish(event, by=regio_admin)
    programme.publish_programme_year(region, NEXT_YEAR, by=regio_admin)
    db.session.commit()
    return event


@pytest.mark.parametrize(("query", "found"), [
    ("soort=werkbezoek", True), ("soort=training", False), ("thema=pleegzorg", True),
    ("thema=veerkracht", False), ("maand=3", True), ("maand=4", False), ("plaatsen=1", True),
    ("q=huizen", True), ("q=scheiding", False), ("doelgroep=huisartsen-en-poh-ggz", False),
])
def test_programme_filters(client, published, query, found):
    page = client.get(f"/programma/gooi-en-vechtstreek/{NEXT_YEAR}?{query}")
    assert (published.title in page.text) is found


def test_organisation_and_municipality_filters(client, published, provider, other_provider):
    base = f"/programma/gooi-en-vechtstreek/{NEXT_YEAR}"
    assert published.title in client.get(f"{base}?organisatie={provider.id}").text
    assert published.title not in client.get(f"{base}?organisatie={other_provider.id}").text
    assert published.title in client.get(f"{base}?gemeente={provider.municipality_id}").text
    assert (
        published.title not in client.get(f"{base}?gemeente={other_provider.municipality_id}").text
    )


def test_the_month_calendar_shows_the_event_on_its_day(client, published):
    page = client.get(f"/programma/gooi-en-vechtstreek/{NEXT_YEAR}?weergave=kalender&maand=3").text
    cell = re.search(r'month-calendar__day">9</span>(.*?)</td>', page, re.DOTALL).group(1)
    assert published.title in cell


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"sessions-0-end": "12:00"}, "sessions-0-end", "vóór of op de begintijd"),
    ({"capacity": "-1"}, "capacity", "niet negatief"),
    ({"sessions-0-date": "2001-01-01"}, "sessions-0-start", "in het verleden"),
    ({"address": "", "city": ""}, "address", "adres en de plaats"),
    ({"is_accredited": "y"}, "accreditation_number", "accreditatienummer"),
    ({"is_online": "y"}, "online_url", "link van de online"),
])
def test_bad_event_input_gives_dutch_field_errors_and_keeps_values(
        client, auth, provider, organisator, overrides, field, message):
    auth.login(organisator)
    response = client.post("/activiteiten/nieuw", data=form_data(provider, **overrides))
    assert response.status_code == 400
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert 'value="Werkbezoek Gezinshuis De Linde"' in response.text
    assert db.session.scalars(select(Event)).first() is None


def test_overlapping_sessions_are_refused(provider, organisator):
    starts = datetime.combine(VISIT_DAY, time(13), AMS)
    data = event_input(provider, sessions=[SessionInput(starts, starts + timedelta(hours=3)),
                                           SessionInput(starts + timedelta(hours=1),
                                                        starts + timedelta(hours=2))])
    with pytest.raises(programme.ProgrammeError) as error:
        programme.create_event(data, by=organisator)
    assert "overlapt" in " ".join(error.value.errors.values())


def test_organisers_cannot_touch_other_organisations_drafts(
        client, auth, provider, organisator, other_organisator, deelnemer):
    draft = programme.create_event(event_input(provider), by=organisator)
    db.session.commit()
    with pytest.raises(programme.ProgrammeError, match=re.escape(
            "Je kunt geen activiteiten maken voor deze organisatie.")):
        programme.create_event(event_input(provider), by=other_organisator)
    assert not programme.can_edit(other_organisator, draft)
    auth.login(other_organisator)
    assert client.get(f"/activiteiten/{draft.id}").status_code == 403
    assert client.get(f"/activiteiten/{draft.id}/bewerken").status_code == 403
    auth.logout()
    assert client.get(f"/activiteiten/{draft.id}").status_code == 404
    auth.login(deelnemer)
    assert client.get("/activiteiten/nieuw").status_code == 403
    assert client.get("/regio/beoordelen").status_code == 403


def test_a_cohort_is_one_event_and_a_series_makes_separate_events_across_dst(
        provider, organisator):
    starts = datetime.combine(date(NEXT_YEAR, 2, 10), time(14), AMS)
    cohort = programme.create_event(event_input(provider, type_id=type_id("training"), sessions=[
        SessionInput(starts + timedelta(weeks=2 * i), starts + timedelta(weeks=2 * i, hours=3))
        for i in range(3)]), by=organisator)
    assert cohort.is_cohort
    assert cohort.net_hours == Decimal(9)
    series = programme.create_recurring(event_input(provider, sessions=[
        SessionInput(starts, starts + timedelta(hours=2))]), by=organisator, every="month", count=3)
    assert len({e.series_key for e in series}) == 1
    assert len(series) == 3
    assert [e.sessions[0].starts_at.astimezone(AMS).hour for e in series] == [14, 14, 14]
    assert series[2].sessions[0].starts_at.astimezone(AMS).month == 4  # after the DST change


def test_duplicate_moves_a_year_later_as_a_concept(provider, organisator, regio_admin):
    event = programme.create_event(event_input(provider), by=organisator)
    programme.publish(event, by=regio_admin)
    copy = programme.duplicate_event(event, by=organisator)
    assert copy.status is EventStatus.CONCEPT
    assert copy.duplicated_from_id == event.id
    assert copy.sessions[0].starts_at - event.sessions[0].starts_at == timedelta(weeks=52)


def test_a_second_coupled_discussion_is_refused(provider, organisator):
    visit = programme.create_event(event_input(provider), by=organisator)
    later = visit.sessions[0].ends_at
    case_data = event_input(provider, type_id=type_id("casuistiekbespreking"),
                            sessions=[SessionInput(later, later + timedelta(hours=1))])
    programme.couple_case_discussion(visit, case_data, by=organisator)
    with pytest.raises(programme.ProgrammeError, match="al een casuïstiekbespreking"):
        programme.couple_case_discussion(visit, case_data, by=organisator)


def test_markdown_descriptions_cannot_inject_script(client, published, regio_admin):
    published.description_md = (
        'Hallo <script>alert(1)</script> [x](javascript:alert(1)) <b onclick="x()">b</b>'
    )
    db.session.commit()
    page = client.get(f"/activiteiten/{published.id}").text
    description = page.split('class="prose">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in description
    assert 'href="javascript:' not in description
    assert "<b onclick" not in description
    assert "&lt;script&gt;" in description


def test_openapi_document_describes_the_two_paths(client, published):
    document = client.get("/api/v1/openapi.json").json
    assert set(document["paths"]) == {"/api/v1/evenementen", "/api/v1/evenementen/{event_id}"}
    item = client.get("/api/v1/evenementen").json["evenementen"][0]
    schema = document["paths"]["/api/v1/evenementen"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["properties"]["evenementen"]["items"]
    assert set(schema["required"]) <= set(item)


# --- The guard on realistic texts ------------------------------------------------------

MUNICIPALITIES = ["Hilversum", "Huizen", "Gooise Meren", "Wijdemeren", "Blaricum", "Laren",
                  "Eemnes"]


@pytest.mark.parametrize(("text", "kind"), [
    ("Het BSN van de jongen is 111222333.", "bsn"),
    ("Moeder is bereikbaar op 06-12345678.", "phone"),
    ("Bel vader via +31 6 12345678 na vijven.", "phone"),
    ("De school belt 020-1234567.", "phone"),
    ("Mail naar j.devries@example.nl voor het dossier.", "email"),
    ("Het gezin betaalt via NL91ABNA0417164300.", "iban"),
    ("Het gezin woont op 1271 AB 12 sinds de scheiding.", "postcode_address"),
    ("Ze wonen aan de Kerkstraat 12 boven de bakker.", "postcode_address"),
])
def test_the_guard_blocks_clear_identifiers(text, kind):
    result = anonymisation.check_text(text, MUNICIPALITIES)
    assert kind in {f.kind for f in result.blocking}


def test_the_guard_asks_confirmation_for_names_and_dates_of_birth():
    result = anonymisation.check_text(
        "Jan de Vries, geboren op 12-03-2011, wil niet meer naar huis.", MUNICIPALITIES)
    assert not result.blocking
    assert {"name", "date_of_birth"} <= {f.kind for f in result.to_confirm}
    assert "[NAAM]" in result.suggestion()
    assert "[DATUM]" in result.suggestion()


def test_the_guard_does_not_take_a_random_nine_digit_number_for_a_bsn():
    assert not anonymisation.check_text("Het dossier telt 123456789 tekens.", []).blocking


@pytest.mark.parametrize("text", [
    "Tijdens het werkbezoek aan het gezinshuis in Huizen bespreken we hoe een uithuisplaatsing"
    " voorkomen kan worden.",
    "De training gesprekstechnieken voor jeugdconsulenten start in maart met drie bijeenkomsten.",
    "Na afloop ontvang je een bewijs van deelname dat je kunt opvoeren bij SKJ.",
    "Ervaringsdeskundigen vertellen wat zij anders hadden gewild bij de overgang van 18- naar 18+.",
    "We bespreken dilemma's rond adoptie en samengestelde gezinnen.",
    "Het aantal plaatsen is beperkt tot vijftien deelnemers per bijeenkomst.",
    "Deelnemers regelen zelf hun vervoer naar de locatie in Hilversum.",
    "De casus gaat over een jongere die al een jaar in een pleeggezin woont.",
    "Wat is veilig genoeg om een kind thuis te laten opgroeien?",
])
def test_the_guard_is_silent_on_ordinary_sentences_about_the_programme(text):
    assert anonymisation.check_text(text, MUNICIPALITIES).is_clean


# --- Pages: the organiser's list, printing, saving ---------------------------------------


def test_the_organisers_event_list_is_paginated(as_organisator, region, provider):
    for n in range(52):
        make_event(
            region,
            provider,
            title=f"Training nummer {n:02d}",
            days_from_now=30 + n,
            published_at=utcnow(),
        )
    db.session.commit()
    first = as_organisator.get("/organiseren").get_data(as_text=True)
    assert 'href="/organiseren?page=2"' in first
    second = as_organisator.get("/organiseren?page=2").get_data(as_text=True)
    assert second.count("Training nummer") == 2


def test_the_programme_prints_whole_with_its_filters(client, region, provider):
    # All in one programme year, a year ahead; plus one that the filter leaves out.
    for n in range(27):
        make_event(
            region,
            provider,
            title=f"Training nummer {n:02d}",
            days_from_now=430 + n,
            published_at=utcnow(),
        )
    make_event(
        region, provider, title="Werkbezoek gezinshuis", days_from_now=440, published_at=utcnow()
    )
    db.session.commit()
    year = (utcnow() + timedelta(days=430)).year
    url = f"/programma/{region.slug}/{year}"
    page = client.get(f"{url}?q=Training").get_data(as_text=True)
    assert page.count('class="event-card"') == 25
    link = re.search(r'<a href="([^"]*afdrukken=1[^"]*)">Hele lijst afdrukken</a>', page)
    assert link
    assert "q=Training" in link.group(1)
    printed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert printed.count('class="event-card"') == 27
    assert "Werkbezoek gezinshuis" not in printed
    assert 'class="pagination"' not in printed


def test_saving_an_event_confirms_it(as_organisator, provider):
    day = (utcnow() + timedelta(days=60)).date()
    data = {"type_id": str(db.session.scalars(select(EventType.id).where(
                EventType.code == "training")).one()),
            "organisation_id": str(provider.id), "title": "Veerkracht in gezinshuizen",
            "summary": "Wat helpt een gezinshuis door moeilijke tijden.",
            "sessions-0-date": day.isoformat(), "sessions-0-start": "13:30",
            "sessions-0-end": "16:30", "sessions-0-break_minutes": "0",
            "address": "Voorbeeldstraat 1", "postcode": "1271 AA", "city": "Huizen",
            "capacity": "15"}
    response = as_organisator.post("/activiteiten/nieuw", data=data, follow_redirects=True)
    assert "De activiteit is opgeslagen als concept." in response.get_data(as_text=True)
    event = db.session.scalars(select(Event).where(
        Event.title == "Veerkracht in gezinshuizen")).one()
    data["title"] = "Veerkracht in gezinshuizen en pleeggezinnen"
    response = as_organisator.post(f"/activiteiten/{event.id}/bewerken", data=data,
                                   follow_redirects=True)
    assert "De activiteit is opgeslagen als concept." in response.get_data(as_text=True)
