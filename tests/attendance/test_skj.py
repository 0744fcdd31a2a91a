"""The SKJ overview: classification and the norm's edges, periods, downloads, provider export."""

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
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
    Registration,
    RegistrationStatus,
    SkjKamer,
)
from leerhuis.services import skj

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def attend(region, provider):
    def make(user, *, hours, code="training", accredited_points=None, when=date(2025, 3, 1),
             present=True):
        event_type = db.session.scalars(select(EventType).where(EventType.code == code)).one()
        start = datetime(when.year, when.month, when.day, 9, 0, tzinfo=AMS)
        event = Event(
            region_id=region.id,
            type=event_type,
            organisation=provider,
            programme_year=when.year,
            status=EventStatus.FINISHED,
            title=f"{code} {hours}",
            address="Plein 1",
            city="Huizen",
        )
        if accredited_points is not None:
            event.is_accredited = True
            event.accreditation_number = "SKJ-1"
            event.accreditation_points = Decimal(accredited_points)
        session = EventSession(starts_at=start, ends_at=start + timedelta(hours=23),
                               net_hours=Decimal(hours))
        event.sessions = [session]
        registration = Registration(event=event, user_id=user.id,
                                    status=RegistrationStatus.CONFIRMED)
        db.session.add_all([event, registration])
        db.session.flush()
        db.session.add(
            Attendance(
                registration_id=registration.id,
                session_id=session.id,
                state=AttendanceState.PRESENT if present else AttendanceState.ABSENT,
                source=AttendanceSource.ORGANISER,
            )
        )
        db.session.commit()
        return event
    return make


def test_informal_learning_counts_up_to_twenty_and_formal_must_reach_forty(deelnemer, attend):
    attend(deelnemer, hours=40, accredited_points=40)
    attend(deelnemer, hours=25, code="werkbezoek")
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert (period.formal, period.informal, period.informal_counted) == (40, 25, 20)
    assert period.counted == 60
    assert period.remaining == 0
    assert period.formal_short == 0
    assert period.met


def test_one_formal_point_short_is_not_enough_even_with_sixty_points(deelnemer, attend):
    attend(deelnemer, hours=39, accredited_points=39)
    attend(deelnemer, hours=21, code="spiegelbijeenkomst")
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert period.counted == 59
    assert period.remaining == 1
    assert period.formal_short == 1
    assert not period.met


def test_behavioural_scientists_count_everything_as_free_space_up_to_forty(deelnemer, attend):
    deelnemer.skj_kamer = SkjKamer.GEDRAGSWETENSCHAPPERS
    attend(deelnemer, hours=39, code="werkbezoek")
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert period.norm.total == 40
    assert period.remaining == 1
    attend(deelnemer, hours=1, code="training")
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert period.met


def test_absent_sessions_and_meetings_without_skj_value_do_not_count(deelnemer, attend):
    attend(deelnemer, hours=5, present=False)
    attend(deelnemer, hours=2, code="klankbordgroep")
    attend(deelnemer, hours=3, code="intervisie")
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert [a.category for a in period.activities] == ["reflectie"]
    assert period.counted == 0
    assert period.reflection == 3


def test_activities_fall_in_five_year_periods(deelnemer, attend):
    attend(deelnemer, hours=2, when=date(2020, 12, 31))
    attend(deelnemer, hours=3, when=date(2021, 1, 1))
    periods = skj.periods(deelnemer, date(2016, 1, 1), today=date(2026, 6, 1))
    by_start = {p.start: p.informal for p in periods}
    assert by_start[date(2016, 1, 1)] == 2
    assert by_start[date(2021, 1, 1)] == 3
    assert date(2026, 1, 1) in by_start


def test_downloads_contain_the_overview(deelnemer, attend, as_deelnemer):
    attend(deelnemer, hours=6, accredited_points=6)
    rows = list(csv.reader(io.StringIO(
        as_deelnemer.get("/mijn-leerhuis/skj.csv").data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "periode"
    assert rows[1][4] == "formeel leren (geaccrediteerd)"
    pdf = as_deelnemer.get("/mijn-leerhuis/skj.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "SKJ-overzicht" in text
    assert deelnemer.full_name in text
    archive = zipfile.ZipFile(io.BytesIO(as_deelnemer.get("/mijn-leerhuis/bewijzen.zip").data))
    assert archive.namelist() == []  # no certificates issued yet
    page = as_deelnemer.get("/mijn-leerhuis/skj")
    assert page.status_code == 200
    assert "Formeel leren" in page.text


def test_provider_export_lists_present_participants_with_skj_number_and_points(
        deelnemer, attend, as_organisator):
    event = attend(deelnemer, hours=6, accredited_points=6)
    response = as_organisator.get(f"/activiteiten/{event.id}/skj-punten.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "100234567"
    assert rows[1][-1] == "6"
    assert rows[1][-2] == "SKJ-1"


@pytest.mark.parametrize(("kamer", "norm"), [(SkjKamer.GEDRAGSWETENSCHAPPERS, 40),
                                             (SkjKamer.JEUGDZORGWERKERS, 50)])
def test_free_space_norms_count_formal_and_informal_alike_without_a_cap(
        deelnemer, attend, kamer, norm):
    deelnemer.skj_kamer = kamer
    attend(deelnemer, hours=10, accredited_points=10)
    attend(deelnemer, hours=norm - 11, code="werkbezoek")  # far above informeel's cap of 20
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert period.norm.total == norm
    assert period.norm.free_space
    assert period.counted == norm - 1
    assert period.remaining == 1
    assert not period.met
    attend(deelnemer, hours=1, code="spiegelbijeenkomst")
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert period.counted == norm
    assert period.met


def test_a_period_starting_on_29_february_runs_to_the_end_of_february_five_years_on(
        deelnemer, attend):
    attend(deelnemer, hours=2, when=date(2029, 2, 28))
    attend(deelnemer, hours=3, when=date(2029, 3, 1))
    periods = skj.periods(deelnemer, date(2024, 2, 29), today=date(2030, 1, 1))
    assert [(p.start, p.end) for p in periods] == [
        (date(2029, 3, 1), date(2034, 3, 1)), (date(2024, 2, 29), date(2029, 3, 1))]
    assert [p.informal for p in periods] == [3, 2]
    assert periods[1].last_day == date(2029, 2, 28)


def test_a_stored_29_february_start_gives_a_page_not_an_error(deelnemer, attend, as_deelnemer):
    deelnemer.skj_period_start = date(2024, 2, 29)
    db.session.commit()
    attend(deelnemer, hours=2, when=date(2024, 3, 1))
    page = as_deelnemer.get("/mijn-leerhuis/skj")
    assert page.status_code == 200
    assert "29 februari 2024" in page.text


def test_activities_before_the_period_start_fall_in_their_own_earlier_periods(deelnemer, attend):
    attend(deelnemer, hours=1, when=date(2014, 5, 1))
    attend(deelnemer, hours=2, when=date(2019, 1, 10))
    attend(deelnemer, hours=3, when=date(2021, 5, 31))
    attend(deelnemer, hours=4, when=date(2021, 6, 1))
    periods = skj.periods(deelnemer, date(2021, 6, 1), today=date(2024, 1, 1))
    assert [(p.start, p.end, p.informal) for p in periods] == [
        (date(2021, 6, 1), date(2026, 6, 1), 4),
        (date(2016, 6, 1), date(2021, 6, 1), 5),
        (date(2011, 6, 1), date(2016, 6, 1), 1)]


def test_reflection_counts_only_sessions_of_at_least_one_hour(deelnemer, attend):
    attend(deelnemer, hours=Decimal("0.75"), code="intervisie", when=date(2025, 3, 1))
    attend(deelnemer, hours=1, code="intervisie", when=date(2025, 4, 1))
    attend(deelnemer, hours=Decimal("1.5"), code="intervisie", when=date(2025, 5, 1))
    (period,) = skj.periods(deelnemer, date(2024, 1, 1), today=date(2026, 6, 1))
    assert [a.points for a in period.activities] == [0, 1, Decimal("1.5")]
    assert period.reflection == Decimal("2.5")
    assert period.counted == 0


def test_the_period_start_is_stored_on_the_profile_and_used_by_page_and_downloads(
        deelnemer, attend, as_deelnemer):
    attend(deelnemer, hours=6, when=date(2022, 3, 1))
    saved = as_deelnemer.post("/mijn-leerhuis/skj", data={"start": "2021-06-01"})
    assert saved.status_code == 302
    db.session.refresh(deelnemer)
    assert deelnemer.skj_period_start == date(2021, 6, 1)
    page = as_deelnemer.get("/mijn-leerhuis/skj").text
    assert 'value="2021-06-01"' in page
    assert "1 juni 2021" in page
    rows = list(csv.reader(io.StringIO(
        as_deelnemer.get("/mijn-leerhuis/skj.csv").data.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == "01-06-2021 t/m 31-05-2026"
    text = (
        PdfReader(io.BytesIO(as_deelnemer.get("/mijn-leerhuis/skj.pdf").data))
        .pages[0]
        .extract_text()
    )
    assert "1 jun 2021 t/m 31 mei 2026" in text

    future = as_deelnemer.post("/mijn-leerhuis/skj", data={"start": "2999-01-01"})
    assert future.status_code == 400
    assert "niet in de toekomst" in future.text
    db.session.refresh(deelnemer)
    assert deelnemer.skj_period_start == date(2021, 6, 1)
