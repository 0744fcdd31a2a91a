"""The registration pages people use: the form prefilled from the profile, Mijn Leerhuis,
and the link in waiting-list mails that works without logging in."""

import re
from datetime import timedelta

import pytest
from conftest import make_event, make_user
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    EventStatus,
    Registration,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import registrations
from leerhuis.services.registrations import RegistrationInput


def _event(region, provider, title, starts, *, capacity=None, status=EventStatus.PUBLISHED):
    return make_event(region, provider, starts=starts, title=title, capacity=capacity,
                      status=status, address="Straat 1")


@pytest.fixture
def full_event(region, provider):
    """One place, already taken by someone else."""
    event = _event(region, provider, "Complexe scheidingen", utcnow() + timedelta(days=30),
                   capacity=1)
    registrations.register(event.id, make_user(region, "eerste@example.org"), RegistrationInput())
    db.session.commit()
    return event


def test_mijn_leerhuis_shows_registrations_waiting_list_positions_and_past_activities(
        region, provider, deelnemer, as_deelnemer, full_event):
    coming = _event(region, provider, "Gesprekstechnieken", utcnow() + timedelta(days=10))
    registrations.register(coming.id, deelnemer, RegistrationInput())
    registrations.register(full_event.id, deelnemer, RegistrationInput())
    past = _event(region, provider, "Werkbezoek De Linde", utcnow() - timedelta(days=40))
    missed = _event(region, provider, "Spiegelbijeenkomst", utcnow() - timedelta(days=20))
    db.session.add_all([
        Registration(event_id=past.id, user_id=deelnemer.id, calendar_sequence=0,
                     status=RegistrationStatus.CONFIRMED),
        Registration(event_id=missed.id, user_id=deelnemer.id, calendar_sequence=0,
                     status=RegistrationStatus.WAITLISTED, waitlisted_at=utcnow()),
    ])
    db.session.commit()
    page = as_deelnemer.get("/mijn-leerhuis").text
    mine, followed = page.split("Gevolgde activiteiten")
    assert "Gesprekstechnieken" in mine
    assert "aangemeld" in mine
    assert "Complexe scheidingen" in mine
    assert "wachtlijst, plaats 1" in mine
    assert "Werkbezoek De Linde" in followed
    assert "Werkbezoek De Linde" not in mine
    # A waiting-list place that never came is no activity followed.
    assert "Spiegelbijeenkomst" not in page


def test_the_registration_form_shows_the_profile_and_keeps_what_was_corrected(
        region, provider, deelnemer, as_deelnemer):
    event = _event(region, provider, "Verklarende analyse", utcnow() + timedelta(days=10))
    page = as_deelnemer.get(f"/activiteiten/{event.id}").text
    assert 'value="jeugdconsulent"' in page
    assert re.search(r'<option selected value="Hilversum">|<option value="Hilversum" selected',
                     page)
    assert "Jeugdteam Hilversum" in page  # the organisation registered for
    response = as_deelnemer.post(f"/activiteiten/{event.id}/aanmelden", data={
        "function": "teamleider jeugd", "municipality_name": "Huizen"})
    assert response.status_code == 302
    registration = registrations.registration_for(event, deelnemer)
    assert (registration.function, registration.municipality_name) == ("teamleider jeugd",
                                                                      "Huizen")
    assert registration.organisation_id == deelnemer.organisation_id
    assert deelnemer.function == "jeugdconsulent"  # the profile itself is not changed


def test_the_registration_form_refuses_a_municipality_outside_the_list(
        region, provider, as_deelnemer):
    event = _event(region, provider, "Pleegzorg", utcnow() + timedelta(days=10))
    response = as_deelnemer.post(f"/activiteiten/{event.id}/aanmelden",
                                 data={"municipality_name": "Atlantis"})
    assert response.status_code == 400
    assert db.session.scalars(select(Registration).where(
        Registration.event_id == event.id)).first() is None


def _link_in(mail) -> str:
    return re.search(r"http://leerhuis\.test(/wachtlijst/\S+)", mail.text()).group(1)


def test_the_waiting_list_mail_leaves_the_list_with_one_link_and_no_login(
        full_event, deelnemer, client, smtp, deliver_mail):
    registration = registrations.register(full_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    (mail,) = smtp.to(deelnemer.email)
    link = _link_in(mail)
    page = client.get(link)  # a mail scanner that prefetches the link changes nothing
    assert page.status_code == 200
    assert "plaats 1" in page.text
    assert registration.status is RegistrationStatus.WAITLISTED
    response = client.post(link, data={"actie": "afmelden"}, follow_redirects=True)
    assert "Je staat niet meer op de wachtlijst" in response.text
    db.session.refresh(registration)
    assert registration.status is RegistrationStatus.CANCELLED
    assert client.get(link[:-3] + "xyz").status_code == 404  # tampered
    # Registering again makes the old link void: it belonged to the earlier round.
    registrations.register(full_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    assert client.get(link).status_code == 404


def test_an_offered_place_is_taken_with_the_link_from_the_mail(
        region, full_event, deelnemer, client, smtp, deliver_mail):
    full_event.offer_hours = 12
    registration = registrations.register(full_event.id, deelnemer, RegistrationInput())
    first = db.session.scalars(select(Registration).where(
        Registration.event_id == full_event.id, Registration.id != registration.id)).one()
    registrations.unregister(first, by=first.user)
    db.session.commit()
    assert registration.status is RegistrationStatus.OFFERED
    deliver_mail()
    (offer,) = [m for m in smtp.to(deelnemer.email) if "neem hem aan" in m.subject]
    link = _link_in(offer)
    assert "Plaats aannemen" in client.get(link).text
    client.post(link, data={"actie": "aannemen"})
    db.session.refresh(registration)
    assert registration.status is RegistrationStatus.CONFIRMED
    assert "Je bent aangemeld voor deze activiteit" in client.get(link).text
