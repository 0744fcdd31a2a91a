"""Self check-in with the code on the screen: guessing is cut off (issue 20)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from leerhuis.extensions import db, limiter
from leerhuis.models import (
    Attendance,
    Event,
    EventSession,
    EventStatus,
    EventType,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    RegistrationStatus,
    utcnow,
)

LIMITED = "Je hebt te vaak een verkeerde code ingevuld. Wacht een kwartier en probeer het dan"


@pytest.fixture
def session_now(app, region, provider, deelnemer, monkeypatch):
    monkeypatch.setitem(app.config["RATE_LIMITS"], "checkin", "3 per 15 minutes")
    limiter.reset()
    start = utcnow() - timedelta(minutes=10)
    visit = db.session.scalars(select(EventType).where(EventType.code == "werkbezoek")).one()
    event = Event(region_id=region.id, type=visit, organisation=provider,
                  programme_year=start.year, status=EventStatus.PUBLISHED, title="Werkbezoek",
                  address="Plein 1", city="Huizen")
    event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                   net_hours=Decimal(2), checkin_code="ABC234")]
    db.session.add_all([event, ProgrammeYear(region_id=region.id, year=start.year,
                                             status=ProgrammeStatus.PUBLISHED)])
    db.session.flush()
    db.session.add(Registration(event_id=event.id, user_id=deelnemer.id,
                                status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    yield event.sessions[0]
    limiter.reset()


def test_after_three_wrong_codes_even_the_right_one_is_refused_for_a_while(
        as_deelnemer, session_now):
    url = f"/inchecken/{session_now.id}"
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        response = as_deelnemer.post(url, data={"code": guess})
        assert response.status_code == 400
        assert "Deze code klopt niet." in response.text
    response = as_deelnemer.post(url, data={"code": "ABC234"})
    assert response.status_code == 429
    assert LIMITED in response.text
    assert db.session.scalars(select(Attendance)).all() == []


def test_a_right_code_after_a_few_wrong_ones_still_checks_in(as_deelnemer, session_now):
    url = f"/inchecken/{session_now.id}"
    for guess in ("AAAAAA", "BBBBBB"):
        assert as_deelnemer.post(url, data={"code": guess}).status_code == 400
    assert as_deelnemer.post(url, data={"code": "ABC234"}).status_code == 302
    assert len(db.session.scalars(select(Attendance)).all()) == 1
