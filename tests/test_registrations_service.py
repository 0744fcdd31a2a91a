"""Capacity, waiting list and promotion rules of the registration service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import make_user
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    ProgrammeStatus,
    ProgrammeYear,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import registrations
from leerhuis.services.registrations import RegistrationError, RegistrationInput


@pytest.fixture
def open_event(region, provider):
    starts = utcnow() + timedelta(days=20)
    event_type = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    event = Event(region_id=region.id, type=event_type, organisation=provider,
                  programme_year=starts.year, status=EventStatus.PUBLISHED, title="Training",
                  address="Straat 1", city="Huizen", capacity=2,
                  registration_closes_at=starts - timedelta(days=1),
                  cancellation_deadline=starts - timedelta(days=2))
    event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                   net_hours=Decimal(3))]
    db.session.add(event)
    db.session.add(ProgrammeYear(region_id=region.id, year=starts.year,
                                 status=ProgrammeStatus.PUBLISHED))
    db.session.commit()
    return event


def _people(region, count, organisation=None):
    org = organisation or Organisation(name="Team", type=OrganisationType.GEMEENTE, region=region)
    return [make_user(region, f"p{i}@example.org", organisation=org) for i in range(count)]


def test_people_beyond_capacity_join_the_waiting_list_in_order(open_event, region):
    a, b, c, d = _people(region, 4)
    results = [registrations.register(open_event.id, p, RegistrationInput()) for p in (a, b, c, d)]
    assert [r.status for r in results] == [RegistrationStatus.CONFIRMED] * 2 + [
        RegistrationStatus.WAITLISTED] * 2
    assert [registrations.waitlist_position(r) for r in results[2:]] == [1, 2]


def test_registering_twice_is_refused_without_a_duplicate(open_event, region):
    (person,) = _people(region, 1)
    registrations.register(open_event.id, person, RegistrationInput())
    with pytest.raises(RegistrationError, match="al aangemeld"):
        registrations.register(open_event.id, person, RegistrationInput())


def test_a_freed_place_goes_to_the_first_in_line_who_is_told(open_event, region):
    a, b, c, d = _people(region, 4)
    first, _, third, fourth = [registrations.register(open_event.id, p, RegistrationInput())
                               for p in (a, b, c, d)]
    registrations.unregister(first, by=a)
    assert third.status is RegistrationStatus.CONFIRMED
    assert fourth.status is RegistrationStatus.WAITLISTED
    assert registrations.waitlist_position(fourth) == 1


def test_nobody_is_promoted_after_registration_closes(open_event, region):
    a, b, c = _people(region, 3)
    first, _, waiting = [registrations.register(open_event.id, p, RegistrationInput())
                         for p in (a, b, c)]
    after_close = open_event.registration_closes_at + timedelta(hours=1)
    open_event.cancellation_deadline = None
    registrations.unregister(first, by=a, now=after_close)
    assert waiting.status is RegistrationStatus.WAITLISTED


def test_the_maximum_per_organisation_is_respected_when_promoting(open_event, region):
    open_event.capacity = 3
    open_event.max_per_organisation = 1
    team = Organisation(name="Eén team", type=OrganisationType.GEMEENTE, region=region)
    other = Organisation(name="Ander team", type=OrganisationType.ZORGAANBIEDER, region=region)
    a, b = _people(region, 2, team)
    c = make_user(region, "c@example.org", organisation=other)
    ra, rb, rc = [registrations.register(open_event.id, p, RegistrationInput()) for p in (a, b, c)]
    assert (ra.status, rb.status, rc.status) == (RegistrationStatus.CONFIRMED,
                                                 RegistrationStatus.WAITLISTED,
                                                 RegistrationStatus.CONFIRMED)


def test_unregistering_after_the_deadline_is_explained(open_event, region):
    (person,) = _people(region, 1)
    registration = registrations.register(open_event.id, person, RegistrationInput())
    late = open_event.cancellation_deadline + timedelta(minutes=1)
    with pytest.raises(RegistrationError, match="termijn"):
        registrations.unregister(registration, by=person, now=late)


def test_an_accredited_event_asks_for_the_skj_number(open_event, region):
    open_event.is_accredited = True
    (person,) = _people(region, 1)
    with pytest.raises(RegistrationError) as error:
        registrations.register(open_event.id, person, RegistrationInput())
    assert error.value.field == "skj_number"
    assert registrations.register(open_event.id, person, RegistrationInput(skj_number="12345678"))


def test_registration_is_refused_for_a_draft_programme_year(open_event, region):
    db.session.scalars(select(ProgrammeYear)).one().status = ProgrammeStatus.DRAFT
    (person,) = _people(region, 1)
    with pytest.raises(RegistrationError, match="niet"):
        registrations.register(open_event.id, person, RegistrationInput())
