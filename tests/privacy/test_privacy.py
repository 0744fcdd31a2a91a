"""AVG: export of one's own data, account deletion, retention."""

import io
import json
import zipfile
from datetime import timedelta

from conftest import close_attendance, make_event, make_registration, make_user, mark_present
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Certificate,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from leerhuis.services import certificates, privacy, registrations
from leerhuis.services.registrations import RegistrationInput


def _attended_event(region, provider, user, organiser, days_ago=3):
    event = make_event(region, provider, days_from_now=-days_ago, status=EventStatus.FINISHED,
                       hours=2, capacity=None, title="Training AVG")
    registration = make_registration(event, user, diet="vegetarisch", organisation_id=None,
                                     function="")
    mark_present(registration, by=organiser)
    close_attendance(event, by=organiser)
    certificate = certificates.issue_one(registration, by=organiser)
    db.session.commit()
    return event, registration, certificate


def test_download_my_data_holds_profile_registrations_and_certificates(
        region, provider, deelnemer, organisator, as_deelnemer):
    _, _, certificate = _attended_event(region, provider, deelnemer, organisator)
    response = as_deelnemer.post("/mijn-gegevens/download")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("mijn-gegevens.json"))
    assert data["profiel"]["e-mailadres"] == deelnemer.email
    assert data["aanmeldingen"][0]["dieetwensen"] == "vegetarisch"
    assert data["aanmeldingen"][0]["presentie"][0]["presentie"] == "aanwezig"
    assert data["bewijzen_van_deelname"][0]["code"] == certificate.code
    assert f"bewijzen/{certificate.code}.pdf" in archive.namelist()


def test_deleting_an_account_keeps_figures_and_a_verifiable_certificate(
        region, provider, deelnemer, organisator, as_deelnemer, client):
    _event, registration, certificate = _attended_event(region, provider, deelnemer, organisator)
    wrong = as_deelnemer.post("/mijn-gegevens/verwijderen", data={"password": "fout"})
    assert wrong.status_code == 400
    assert db.session.get(User, deelnemer.id) is not None
    as_deelnemer.post("/mijn-gegevens/verwijderen", data={"password": "correct-horse-battery"})
    db.session.expire_all()
    assert (
        db.session.scalars(select(User).where(User.email == "deelnemer@example.org")).first()
        is None
    )
    kept = db.session.get(Registration, registration.id)
    assert kept is not None
    assert kept.user_id is None
    assert kept.diet == ""
    assert kept.skj_number is None
    page = client.get(f"/certificaat/{certificate.code}")
    assert page.status_code == 200
    assert "Geldig." in page.text
    assert db.session.get(Certificate, certificate.id).skj_number is None


def test_retention_anonymises_old_registrations_only(region, provider, deelnemer, organisator,
                                                     app, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_YEARS", 2)
    _, old, _ = _attended_event(region, provider, deelnemer, organisator, days_ago=800)
    _, recent, _ = _attended_event(region, provider, deelnemer, organisator, days_ago=10)
    assert privacy.apply_retention() == 1
    db.session.expire_all()
    assert db.session.get(Registration, old.id).user_id is None
    assert db.session.get(Registration, recent.id).user_id == deelnemer.id


def _coming_event(region, provider):
    """Full (one place), registration open, the cancellation deadline already passed."""
    return make_event(region, provider, days_from_now=5, hours=2, capacity=1,
                      title="Training later",
                      registration_closes_at=utcnow() + timedelta(days=4),
                      cancellation_deadline=utcnow() - timedelta(hours=1))


def test_deleting_an_account_frees_its_coming_places_for_the_waiting_list(
        region, provider, deelnemer, organisator, as_deelnemer):
    _past, attended, _certificate = _attended_event(region, provider, deelnemer, organisator)
    event = _coming_event(region, provider)
    seat = registrations.register(event.id, deelnemer, RegistrationInput())
    waiting_person = make_user(region, "wachtend@example.org")
    waiting = registrations.register(event.id, waiting_person, RegistrationInput())
    db.session.commit()
    assert (seat.status, waiting.status) == (RegistrationStatus.CONFIRMED,
                                             RegistrationStatus.WAITLISTED)

    response = as_deelnemer.post("/mijn-gegevens/verwijderen",
                                 data={"password": "correct-horse-battery"})
    assert response.status_code == 302
    db.session.expire_all()
    cancelled = db.session.get(Registration, seat.id)
    assert cancelled.status is RegistrationStatus.CANCELLED
    assert cancelled.user_id is None
    assert db.session.get(Registration, waiting.id).status is RegistrationStatus.CONFIRMED
    kept = db.session.get(Registration, attended.id)
    assert kept.status is RegistrationStatus.CONFIRMED
    assert kept.user_id is None
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.recipient, m.kind) for m in mails if m.recipient == "deelnemer@example.org"] == [
        ("deelnemer@example.org", "ical_cancel")]
    assert any(m.recipient == "wachtend@example.org" and m.kind == "ical_request"
               for m in mails)


def test_cookies_of_a_deleted_account_no_longer_log_in(app, deelnemer):
    browser = app.test_client()
    browser.post("/inloggen", data={"email": deelnemer.email, "password": "correct-horse-battery",
                                    "remember": "y"})
    cookies = {name: browser.get_cookie(name).value for name in ("session", "remember_token")}
    browser.post("/mijn-gegevens/verwijderen", data={"password": "correct-horse-battery"})
    replay = app.test_client()
    for name, value in cookies.items():
        replay.set_cookie(name, value)
    assert replay.get("/mijn-gegevens").status_code == 302
