"""Query strings and form fields no page makes get a clear answer, never a 500 (issue 20)."""

import pathlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

import leerhuis
from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    Registration,
    RegistrationStatus,
    utcnow,
)

# Every list page that takes ?page= (checked against the sources below).
LIST_PAGES = ["/mijn-leerhuis/bewijzen", "/activiteiten/{event}/deelnemers", "/organiseren",
              "/regio/aanvragen", "/regio/mail", "/regio/audit", "/lessen",
              "/programma/gooi-en-vechtstreek/{year}"]
# Every page that filters by date (?van= / ?tot=).
DATE_FILTERED = ["/regio/overzichten/", "/regio/overzichten/soort.csv",
                 "/regio/overzichten/overzichten.xlsx", "/regio/overzichten/overzichten.pdf",
                 "/regio/overzichten/presentie.csv", "/regio/overzichten/presentie.xlsx"]


@pytest.fixture
def event(region, provider, deelnemer):
    start = utcnow() - timedelta(days=1)
    visit = db.session.scalars(select(EventType).where(EventType.code == "werkbezoek")).one()
    event = Event(region_id=region.id, type=visit, organisation=provider,
                  programme_year=start.year, status=EventStatus.PUBLISHED, title="Werkbezoek",
                  address="Plein 1", city="Huizen")
    event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                   net_hours=Decimal(2))]
    db.session.add(event)
    db.session.flush()
    db.session.add(Registration(event_id=event.id, user_id=deelnemer.id,
                                status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    return event


def test_the_lists_name_every_page_that_reads_page_or_dates():
    blueprints = pathlib.Path(leerhuis.__file__).parent / "blueprints"
    sources = "".join(p.read_text() for p in blueprints.rglob("*.py"))
    # Pages read through the shared helpers only, never request.args by hand.
    assert re.findall(r'request\.args\.get\("page"', sources) == []
    assert re.findall(r'fromisoformat\(request', sources) == []
    assert len(re.findall(r"(?<!def )page_arg\(\)", sources)) == len(LIST_PAGES)


@pytest.mark.parametrize("path", LIST_PAGES)
@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "0", "2147483648"])
def test_a_page_number_that_is_no_page_shows_the_first_page(as_regio, event, path, page):
    url = path.format(event=event.id, year=event.programme_year)
    response = as_regio.get(f"{url}?page={page}")
    assert response.status_code == 200
    assert "Er ging bij ons iets mis" not in response.text


@pytest.mark.parametrize("path", DATE_FILTERED)
@pytest.mark.parametrize("query", ["tot=9999-12-31", "van=0001-01-01", "van=1999-12-31",
                                   "tot=2100-01-01"])
def test_a_day_outside_the_century_is_a_400_that_says_so(as_regio, path, query):
    response = as_regio.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "Kies een datum tussen 2000-01-01 en 2099-12-31." in response.text


@pytest.mark.parametrize("path", DATE_FILTERED)
def test_a_date_that_is_no_date_is_a_400_that_says_so(as_regio, path):
    response = as_regio.get(f"{path}?van=31-12-2026")
    assert response.status_code == 400
    assert "31-12-2026 is geen datum: gebruik de vorm jjjj-mm-dd." in response.text


def test_the_widest_period_still_works(as_regio):
    assert as_regio.get("/regio/overzichten/?van=2000-01-01&tot=2099-12-31").status_code == 200


@pytest.mark.parametrize("field", ["mark-abc", "mark-1", "mark-1-2-3", "mark--1-2",
                                   "mark-99999999999999999999-1"])
def test_an_attendance_field_the_sheet_never_made_is_a_400(as_organisator, event, field):
    response = as_organisator.post(f"/activiteiten/{event.id}/presentie",
                                   data={field: "aanwezig"})
    assert response.status_code == 400
    assert "De presentielijst bevat een onbekend veld." in response.text


def test_an_unknown_attendance_state_is_a_400(as_organisator, event):
    registration = db.session.scalars(select(Registration)).one()
    response = as_organisator.post(
        f"/activiteiten/{event.id}/presentie",
        data={f"mark-{registration.id}-{event.sessions[0].id}": "misschien"})
    assert response.status_code == 400
    assert "Kies aanwezig, afwezig of afgemeld." in response.text
