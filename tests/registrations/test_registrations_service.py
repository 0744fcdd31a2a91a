"""Capacity, waiting list and promotion rules of the registration service."""

import re
from datetime import timedelta

import pytest
from conftest import make_event, make_user
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Organisation,
    OrganisationType,
    ProgrammeStatus,
    ProgrammeYear,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import event_changes, programme, registrations
from leerhuis.services.programme import EventInput
from leerhuis.services.registrations import RegistrationError, RegistrationInput
from leerhuis.tasks import expire_waitlist_offers


@pytest.fixture
def open_event(region, provider):
    starts = utcnow() + timedelta(days=20)
    return make_event(region, provider, starts=starts, title="Training", address="Straat 1",
                      capacity=2, registration_closes_at=starts - timedelta(days=1),
                      cancellation_deadline=starts - timedelta(days=2))


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
    with pytest.raises(RegistrationError, match="termijn") as error:
        registrations.unregister(registration, by=person, now=late)
    assert "Gezinshuis De Linde" in error.value.message  # whom to contact instead


def test_an_accredited_event_asks_for_the_skj_number(open_event, region):
    open_event.is_accredited = True
    (person,) = _people(region, 1)
    with pytest.raises(RegistrationError, match=re.escape(
            "Vul je SKJ-registratienummer in: deze activiteit is geaccrediteerd.")) as error:
        registrations.register(open_event.id, person, RegistrationInput())
    assert error.value.field == "skj_number"
    assert registrations.register(open_event.id, person, RegistrationInput(skj_number="12345678"))


def test_registration_is_refused_for_a_draft_programme_year(open_event, region):
    db.session.scalars(select(ProgrammeYear)).one().status = ProgrammeStatus.DRAFT
    (person,) = _people(region, 1)
    with pytest.raises(RegistrationError, match="niet"):
        registrations.register(open_event.id, person, RegistrationInput())


def test_raising_the_capacity_promotes_the_waiting_list_in_order(open_event, region, smtp,
                                                                 deliver_mail):
    a, b, c, d = _people(region, 4)
    results = [registrations.register(open_event.id, p, RegistrationInput()) for p in (a, b, c, d)]
    db.session.commit()
    deliver_mail()
    (waitlisted,) = [m for m in smtp.to(c.email) if "wachtlijst" in m.subject]
    assert "plaats 1" in waitlisted.text()
    smtp.messages.clear()
    data = EventInput.from_event(open_event)
    data.capacity = 3
    event_changes.update_event(open_event, data, by=make_user(region, "r@example.org", admin=True))
    db.session.commit()
    deliver_mail()
    assert [r.status for r in results[2:]] == [RegistrationStatus.CONFIRMED,
                                               RegistrationStatus.WAITLISTED]
    assert registrations.waitlist_position(results[3]) == 1
    (promoted,) = [m for m in smtp.to(c.email) if "plaats" in m.subject]
    assert "Er is een plaats vrijgekomen" in promoted.text()
    assert smtp.to(d.email) == []


def test_nobody_is_promoted_once_the_event_has_started(open_event, region):
    open_event.registration_closes_at = None
    open_event.cancellation_deadline = None
    a, b, c = _people(region, 3)
    first, _, waiting = [registrations.register(open_event.id, p, RegistrationInput())
                         for p in (a, b, c)]
    registrations.unregister(first, by=a, now=open_event.starts_at + timedelta(minutes=5))
    assert waiting.status is RegistrationStatus.WAITLISTED


@pytest.fixture
def offering_event(open_event):
    open_event.offer_hours = 24
    db.session.commit()
    return open_event


def test_a_freed_place_is_offered_held_and_taken_within_the_offer(offering_event, region,
                                                                  smtp, deliver_mail):
    a, b, c, d = _people(region, 4)
    first, _, third, fourth = [registrations.register(offering_event.id, p, RegistrationInput())
                               for p in (a, b, c, d)]
    now = utcnow()
    registrations.unregister(first, by=a, now=now)
    db.session.commit()
    assert third.status is RegistrationStatus.OFFERED
    assert third.offered_until == now + timedelta(hours=24)
    # The held place counts: nobody else gets in, and the next in line moves up one.
    assert registrations.confirmed_count(offering_event.id) == 2
    assert registrations.waitlist_position(fourth) == 1
    with pytest.raises(RegistrationError, match="staat al een plaats"):
        registrations.register(offering_event.id, c, RegistrationInput())
    deliver_mail()
    (offer,) = [m for m in smtp.to(c.email) if "neem hem aan" in m.subject]
    assert "/wachtlijst/" in offer.text()
    registrations.accept_offer(third, now=now + timedelta(hours=23))
    db.session.commit()
    assert third.status is RegistrationStatus.CONFIRMED
    assert third.offered_until is None
    deliver_mail()
    assert [m for m in smtp.to(c.email) if m.subject.startswith("Aanmelding bevestigd")]


def test_an_offer_is_never_held_past_the_closing_of_registration(offering_event, region):
    a, b, c = _people(region, 3)
    first, _, third = [registrations.register(offering_event.id, p, RegistrationInput())
                       for p in (a, b, c)]
    late = offering_event.registration_closes_at - timedelta(hours=2)
    offering_event.cancellation_deadline = None
    registrations.unregister(first, by=a, now=late)
    assert third.offered_until == offering_event.registration_closes_at


def test_an_expired_offer_passes_to_the_next_in_line(offering_event, region, smtp, deliver_mail):
    a, b, c, d = _people(region, 4)
    first, _, third, fourth = [registrations.register(offering_event.id, p, RegistrationInput())
                               for p in (a, b, c, d)]
    now = utcnow()
    registrations.unregister(first, by=a, now=now)
    db.session.commit()
    assert registrations.expire_offers(now=now + timedelta(hours=23)) == 0
    assert registrations.expire_offers(now=now + timedelta(hours=25)) == 1
    db.session.refresh(third)
    db.session.refresh(fourth)
    assert third.status is RegistrationStatus.CANCELLED
    assert fourth.status is RegistrationStatus.OFFERED
    with pytest.raises(RegistrationError, match="verlopen"):
        registrations.accept_offer(third, now=now + timedelta(hours=25))
    deliver_mail()
    assert [m for m in smtp.to(c.email) if "verlopen" in m.subject]
    assert [m for m in smtp.to(d.email) if "neem hem aan" in m.subject]


def test_an_offer_that_expires_after_closing_passes_to_nobody(offering_event, region):
    a, b, c, d = _people(region, 4)
    first, _, _, fourth = [registrations.register(offering_event.id, p, RegistrationInput())
                               for p in (a, b, c, d)]
    offering_event.cancellation_deadline = None
    closes = offering_event.registration_closes_at
    registrations.unregister(first, by=a, now=closes - timedelta(hours=1))
    db.session.commit()
    assert registrations.expire_offers(now=closes + timedelta(minutes=1)) == 1
    db.session.refresh(fourth)
    assert fourth.status is RegistrationStatus.WAITLISTED


def test_the_worker_task_expires_offers(offering_event, region):
    a, b, c = _people(region, 3)
    first, _, third = [registrations.register(offering_event.id, p, RegistrationInput())
                       for p in (a, b, c)]
    registrations.unregister(first, by=a, now=utcnow() - timedelta(hours=25))
    db.session.commit()
    assert expire_waitlist_offers.call_local() == 1
    db.session.refresh(third)
    assert third.status is RegistrationStatus.CANCELLED


def test_the_offer_time_is_a_setting_of_the_event(open_event, region, client, auth):
    admin = make_user(region, "r@example.org", admin=True)
    data = EventInput.from_event(open_event)
    data.offer_hours = 0
    with pytest.raises(programme.ProgrammeError) as error:
        event_changes.update_event(open_event, data, by=admin)
    assert "offer_hours" in error.value.errors
    data.offer_hours = 48
    event_changes.update_event(open_event, data, by=admin)
    db.session.commit()
    assert open_event.offer_hours == 48
    auth.login(admin)
    page = client.get(f"/activiteiten/{open_event.id}/bewerken").text
    assert 'name="offer_hours"' in page
    assert 'value="48"' in page
