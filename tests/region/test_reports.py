"""The Region's overviews: exact figures per grouping, downloads equal to the screen."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT, make_user
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceSource,
    AttendanceState,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    Registration,
    RegistrationStatus,
    TargetGroup,
    Theme,
)
from leerhuis.services import reports

AMS = ZoneInfo("Europe/Amsterdam")
YEAR = date.today().year


@pytest.fixture
def data(region, provider):
    veilig_thuis = Organisation(
        name="Veilig Thuis", type=OrganisationType.VEILIG_THUIS, region=region
    )
    team = Organisation(name="Jeugdteam", type=OrganisationType.GEMEENTE, region=region)
    people = [make_user(region, f"r{i}@example.org", organisation=veilig_thuis if i < 2 else team)
              for i in range(4)]
    training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    visit = db.session.scalars(select(EventType).where(EventType.code == "werkbezoek")).one()

    def event(kind, month, sessions):
        start = datetime(YEAR, month, 3, 13, 0, tzinfo=AMS)
        e = Event(region_id=region.id, type=kind, organisation=provider, programme_year=YEAR,
                  status=EventStatus.FINISHED, title=f"{kind.code} {month}", address="A", city="B")
        e.sessions = [EventSession(starts_at=start + timedelta(days=7 * i),
                                   ends_at=start + timedelta(days=7 * i, hours=2),
                                   net_hours=Decimal(2)) for i in range(sessions)]
        db.session.add(e)
        return e

    course, tour = event(training, 3, 2), event(visit, 5, 1)
    db.session.flush()

    def register(e, person, states):
        r = Registration(
            event_id=e.id,
            user_id=person.id,
            status=RegistrationStatus.CONFIRMED,
            organisation_id=person.organisation_id,
            municipality_name="Hilversum" if person.organisation_id == team.id else "Huizen",
        )
        db.session.add(r)
        db.session.flush()
        for session, state in zip(e.sessions, states, strict=True):
            if state:
                db.session.add(Attendance(registration_id=r.id, session_id=session.id, state=state,
                                          source=AttendanceSource.ORGANISER))

    P, A = AttendanceState.PRESENT, AttendanceState.ABSENT
    register(course, people[0], [P, P])   # Veilig Thuis, 4 h
    register(course, people[1], [A, A])   # Veilig Thuis, no-show
    register(course, people[2], [P, A])   # team, 2 h
    register(tour, people[2], [P])        # team, 2 h
    register(tour, people[3], [None])     # team, not marked: neither present nor no-show
    db.session.commit()
    return course, tour


def test_overview_per_organisation_type_keeps_veilig_thuis_apart(region, data):
    lines = {
        line.label: line
        for line in reports.overview(
            region, reports.Period(date(YEAR, 1, 1), date(YEAR, 12, 31)), "organisatietype"
        )
    }
    assert lines["Veilig Thuis"].values() == ["Veilig Thuis", 2, 1, 50.0, 4.0, 2]
    assert lines["Gemeente / uitvoeringsdienst"].values() == [
        "Gemeente / uitvoeringsdienst",
        3,
        2,
        0.0,
        4.0,
        2,
    ]


def test_overview_per_type_and_month_and_the_period_filter(region, data):
    year = reports.Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    by_type = {line.label: line.values() for line in reports.overview(region, year, "soort")}
    assert by_type == {"Training": ["Training", 3, 2, 33.3, 6.0, 3],
                       "Werkbezoek": ["Werkbezoek", 2, 1, 0.0, 2.0, 2]}
    months = [line.label for line in reports.overview(region, year, "maand")]
    assert months == [f"{YEAR}-03", f"{YEAR}-05"]
    spring = reports.Period(date(YEAR, 1, 1), date(YEAR, 4, 30))
    assert [line.label for line in reports.overview(region, spring, "soort")] == ["Training"]


def test_downloads_contain_what_the_screen_shows(region, data, as_regio):
    query = f"?van={YEAR}-01-01&tot={YEAR}-12-31"
    page = as_regio.get(f"/regio/overzichten/{query}")
    assert page.status_code == 200
    assert "data:image/svg+xml;base64," in page.text
    rows = list(csv.reader(io.StringIO(as_regio.get(f"/regio/overzichten/soort.csv{query}")
                                       .data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Training", "3", "2", "33.3", "6.0", "3"]
    # On screen and in the PDF numbers read the Dutch way; the files keep plain numbers.
    assert (
        '<th scope="row">Training</th><td class="number">3</td><td class="number">2</td>'
        '<td class="number">33,3</td><td class="number">6</td><td class="number">3</td>'
    ) in page.text
    book = load_workbook(
        io.BytesIO(as_regio.get(f"/regio/overzichten/overzichten.xlsx{query}").data)
    )
    assert [c for c in next(book["Soort activiteit"].iter_rows(min_row=2, values_only=True))] == \
        ["Training", 3, 2, 33.3, 6.0, 3]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        as_regio.get(f"/regio/overzichten/overzichten.pdf{query}").data)).pages)
    assert "Overzichten aanwezigheid" in text
    assert "Veilig Thuis" in text
    assert "33,3" in text


def test_the_full_attendance_export_streams_one_row_per_registration_and_session(
        region, data, as_regio):
    response = as_regio.get(f"/regio/overzichten/presentie.csv?van={YEAR}-01-01&tot={YEAR}-12-31")
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) - 1 == 3 * 2 + 2 * 1
    assert {r[-1] for r in rows[1:]} == {"aanwezig", "afwezig", "niet geregistreerd"}
    download = as_regio.get(f"/regio/overzichten/presentie.xlsx?van={YEAR}-01-01&tot={YEAR}-12-31")
    content = download.data
    download.close()
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert sum(1 for _ in book.active.iter_rows()) == len(rows)
    book.close()


def test_organisers_cannot_see_the_region_overviews(as_organisator):
    assert as_organisator.get("/regio/overzichten/").status_code == 403


def test_overview_per_organisation_municipality_doelgroep_and_theme(
        region, data, other_provider):
    course, tour = data
    tour.organisation = other_provider
    group = db.session.scalars(
        select(TargetGroup).where(TargetGroup.slug == "jeugdconsulenten")
    ).one()
    themes = db.session.scalars(
        select(Theme).where(Theme.slug.in_(["pleegzorg", "gezinshuizen"]))
    ).all()
    course.target_groups = [group]
    course.themes = list(themes)
    db.session.commit()
    year = reports.Period(date(YEAR, 1, 1), date(YEAR, 12, 31))

    def lines(grouping):
        return {line.label: line.values()[1:] for line in reports.overview(region, year, grouping)}

    course_figures, tour_figures = [3, 2, 33.3, 6.0, 3], [2, 1, 0.0, 2.0, 2]
    assert lines("organisatie") == {"Gezinshuis De Linde": course_figures,
                                    "Jeugdhulp Het Baken": tour_figures}
    # Professionals reached per municipality: p0/p1 work in Huizen, p2/p3 in Hilversum.
    assert lines("gemeente") == {"Huizen": [2, 1, 50.0, 4.0, 2], "Hilversum": [3, 2, 0.0, 4.0, 2]}
    assert reports.reached_per_municipality(region, year)[0].label == "Hilversum"
    assert lines("doelgroep") == {group.name: course_figures, "geen": tour_figures}
    # An event with two themes counts in both.
    assert lines("thema") == {**{t.name: course_figures for t in themes}, "geen": tour_figures}


def test_the_month_grouping_uses_amsterdam_time_on_every_database(region, provider):
    training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    person = make_user(region, "nacht@example.org")
    # 00:30 on the 1st in Amsterdam is still the previous month in UTC (winter and summer).
    for moment in (datetime(YEAR, 3, 1, 0, 30, tzinfo=AMS), datetime(YEAR, 7, 1, 0, 30, tzinfo=AMS),
                   datetime(YEAR, 10, 31, 23, 30, tzinfo=AMS)):
        event = Event(region_id=region.id, type=training, organisation=provider,
                      programme_year=YEAR, status=EventStatus.FINISHED, title=f"Nacht {moment}",
                      address="A", city="B")
        event.sessions = [EventSession(starts_at=moment, ends_at=moment + timedelta(hours=1),
                                       net_hours=Decimal(1))]
        db.session.add(event)
        db.session.flush()
        db.session.add(Registration(event_id=event.id, user_id=person.id,
                                    status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    year = reports.Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert [line.label for line in reports.overview(region, year, "maand")] == [
        f"{YEAR}-03", f"{YEAR}-07", f"{YEAR}-10"]


# --- Downloads ---------------------------------------------------------------------------


def test_slow_exports_announce_that_the_file_is_being_prepared(as_regio):
    page = as_regio.get("/regio/overzichten/").get_data(as_text=True)
    slow = re.findall(r'<a href="[^"]*(presentie\.xlsx|overzichten\.(?:xlsx|pdf))[^"]*" '
                      r'data-preparing="Het bestand wordt samengesteld', page)
    assert sorted(slow) == ["overzichten.pdf", "overzichten.xlsx", "presentie.xlsx"]
    assert 'role="status" data-download-status' in page
    script = (ROOT / "leerhuis" / "static" / "js" / "leerhuis.js").read_text()
    assert "a[data-preparing]" in script
    assert "[data-download-status]" in script
