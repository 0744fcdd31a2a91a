"""Journey 3: the Region downloads the attendance overview as XLSX and looks at the charts;
a klankbordgroep meeting gets minutes; a lesson is recorded, published and found by search."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import make_user
from openpyxl import load_workbook
from sqlalchemy import select, update

from leerhuis.extensions import db
from leerhuis.models import (
    AttendanceState,
    EventSession,
    EventType,
    GroupType,
    KlankbordGroup,
    Organisation,
    OrganisationType,
    Region,
    User,
)
from leerhuis.services import attendance, programme, registrations
from leerhuis.services.programme import EventInput, SessionInput
from leerhuis.services.registrations import RegistrationInput

from .conftest import login, screenshot, write_first

pytestmark = [pytest.mark.browser, pytest.mark.no_rollback]

HELD = "Spiegelbijeenkomst met ervaringsdeskundigen"
GROUP = "Zo thuis mogelijk opgroeien"


@pytest.fixture
def held_event(base):
    """A spiegelbijeenkomst held yesterday: two registered, one present, one absent."""
    people = []
    for n in (1, 2):
        write_first()
        people.append(make_user(db.session.get(Region, base.region_id), f"deelnemer{n}@example.org",
                                first_name=f"Deelnemer{n}", last_name="Smit",
                                organisation=db.session.get(Organisation, base.team_id)))
    write_first()
    region = db.session.get(Region, base.region_id)
    regio = db.session.scalars(select(User).where(User.email == base.regio_email)).one()
    organisator = db.session.scalars(select(User).where(User.email == base.organisator_email)).one()
    type_id = db.session.scalars(
        select(EventType.id).where(EventType.code == "spiegelbijeenkomst")
    ).one()
    soon = date.today() + timedelta(days=2)
    starts = datetime.combine(soon, time(19), ZoneInfo("Europe/Amsterdam"))
    event = programme.create_event(EventInput(
        type_id=type_id, title=HELD, organisation_id=base.provider_id,
        sessions=[SessionInput(starts, starts + timedelta(hours=2), 0)],
        address="Voorbeeldstraat 3", city="Hilversum", capacity=20), by=organisator)
    # Its id kept now: after a commit, reading event.id reloads the event, and a transaction
    # that reads first fails on SQLite when it then writes beside the worker.
    event_id = event.id
    programme.publish(event, by=regio)
    programme.publish_programme_year(region, soon.year, by=regio)
    db.session.commit()
    write_first()
    for person in people:
        registrations.register(event_id, person, RegistrationInput())
    db.session.commit()
    # Three days on, it took place yesterday.
    held = starts - timedelta(days=3)
    db.session.execute(update(EventSession).where(EventSession.event_id == event_id).values(
        starts_at=held, ends_at=held + timedelta(hours=2)))
    db.session.commit()
    # Take the event's write lock before reading: the worker is delivering the registration
    # mails, and SQLite fails (instead of waiting) when a reading transaction starts writing.
    event = registrations.lock_event(event_id)
    regs = attendance.confirmed_registrations(event)
    session = event.sessions[0]
    attendance.mark(regs[0], session, AttendanceState.PRESENT, by=organisator)
    attendance.mark(regs[1], session, AttendanceState.ABSENT, by=organisator)
    db.session.add(Organisation(name="Regio Gooi en Vechtstreek", type=OrganisationType.REGIO,
                                region=region))
    db.session.add(KlankbordGroup(region_id=region.id, name=GROUP, type=GroupType.PARTNERS,
                                  chair=regio))
    db.session.commit()
    return held


def test_the_region_reads_overviews_keeps_minutes_and_records_a_lesson(
        new_page, pages, base, held_event):
    held_on = held_event.date()
    regio = new_page()
    login(regio, base.regio_email, pages)

    # Overviews: the period, the charts and the attendance XLSX.
    regio.get_by_role("link", name="Regio", exact=True).click()
    pages.axe(regio)
    screenshot(regio, "region-dashboard")
    regio.get_by_role("link", name="Overzichten aanwezigheid").click()
    pages.axe(regio)
    regio.get_by_label("Van", exact=True).fill((held_on - timedelta(days=30)).isoformat())
    regio.get_by_label("Tot en met", exact=True).fill((held_on + timedelta(days=30)).isoformat())
    regio.get_by_role("button", name="Toon").click()
    regio.wait_for_url(re.compile(r"van=\d{4}-\d\d-\d\d"))
    pages.axe(regio)
    screenshot(regio, "reports")
    charts = regio.locator("img.chart")
    assert charts.count() >= 3
    for chart in charts.all():
        chart.scroll_into_view_if_needed()
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    with regio.expect_download() as download_info:
        regio.get_by_role("link", name="Volledige presentie (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True).active
    rows = [
        [str(v) if v is not None else "" for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    held_rows = [row for row in rows if HELD in row]
    assert len(held_rows) == 2
    states = sorted(value for row in held_rows for value in row if value in ("aanwezig", "afwezig"))
    assert states == ["aanwezig", "afwezig"]

    # The klankbordgroep: plan a meeting and write its minutes.
    regio.get_by_role("link", name="Klankbordgroep").click()
    pages.axe(regio)
    regio.get_by_role("link", name=GROUP).click()
    pages.axe(regio)
    screenshot(regio, "klankbordgroep")
    meeting_day = date.today() + timedelta(days=14)
    regio.get_by_label("Datum", exact=True).fill(meeting_day.isoformat())
    regio.get_by_label("Begintijd").fill("10:00")
    regio.get_by_label("Eindtijd").fill("12:00")
    regio.get_by_label("Plaats en adres").fill("Gemeentehuis, Hilversum")
    regio.get_by_role("button", name="Bijeenkomst plannen").click()
    regio.wait_for_url(re.compile(r"/klankbordgroepen/"))
    pages.axe(regio)
    meeting_link = regio.locator("main ul a").filter(has_text=str(meeting_day.day)).first
    if regio.get_by_role("heading", name=re.compile("Bijeenkomst van")).count() == 0:
        meeting_link.click()
        pages.axe(regio)
    regio.get_by_label("Verslag").fill(
        "De regio lichtte de voortgang van de uitvoeringsagenda toe.\n"
        "Partners vroegen om meer spiegelbijeenkomsten.")
    regio.get_by_label("Besluiten").fill("In het voorjaar twee extra spiegelbijeenkomsten.")
    regio.get_by_role("button", name="Verslag opslaan").click()
    regio.locator(".alert--success").wait_for()
    pages.axe(regio)
    screenshot(regio, "klankbordgroep-meeting")
    main = regio.inner_text("main")
    assert "Partners vroegen om meer spiegelbijeenkomsten." in main
    assert "In het voorjaar twee extra spiegelbijeenkomsten." in main

    # A lesson from the spiegelbijeenkomst: recorded, published, found by search.
    regio.get_by_role("link", name="Lessen").first.click()
    pages.axe(regio)
    regio.get_by_role("link", name="Les vastleggen").click()
    pages.axe(regio)
    screenshot(regio, "lesson-form")
    regio.get_by_label("Korte titel").fill("Luister eerder naar de jongere zelf")
    regio.get_by_label("Bron").select_option(label="Spiegelbijeenkomst")
    regio.get_by_label("Wat hadden zij anders gewild?").fill(
        "Dat de hulpverleners vaker met de jongeren zelf hadden gepraat.")
    regio.get_by_label("Wat had eerder gekund om de uithuisplaatsing te voorkomen?").fill(
        "Eerder een gezinscoach inzetten toen de spanningen thuis opliepen.")
    regio.get_by_role("button", name=re.compile("Opslaan")).click()
    regio.locator(".alert").first.wait_for()
    pages.axe(regio)
    regio.goto("/regio/lessen")
    pages.axe(regio)
    regio.get_by_role("button", name="Publiceren").first.click()
    regio.locator(".alert--success").wait_for()
    pages.axe(regio)
    regio.goto("/lessen")
    pages.axe(regio)
    regio.get_by_role("searchbox", name="Zoeken").fill("hulpverlener")
    regio.get_by_role("button", name="Zoeken").click()
    regio.wait_for_url(re.compile(r"q=hulpverlener"))
    pages.axe(regio)
    screenshot(regio, "lessons-search")
    assert "1 les" in regio.inner_text("main h2")
    regio.get_by_role("link", name="Luister eerder naar de jongere zelf").click()
    pages.axe(regio)
    assert "vaker met de jongeren zelf" in regio.inner_text("main")
