"""When an event stays locked longer than the lock timeout (a rush on the last places),
every route that registers, unregisters, adds, removes or takes an offer answers with a
Dutch "try again" page and status 503 — never a 500 — and changes nothing.

The lock is real: another database connection holds SELECT … FOR UPDATE on the event row,
as a concurrent registration would. PostgreSQL only: there the lock waits end at
``lock_timeout``; SQLite serialises writers on its busy timeout instead."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from conftest import MIGRATIONS, PASSWORD, database_url_for, make_test_config, password_hash
from flask_migrate import upgrade

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    OrganiserRole,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from leerhuis.services import registrations

pytestmark = [
    pytest.mark.no_rollback,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="lock timeouts are PostgreSQL's (make test starts one)"),
]


@pytest.fixture(scope="module")
def busy_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("busy")
    app = create_app(make_test_config(database_url_for(tmp, "busy"), tmp))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="druk", name="Druk", leerhuis_name="Leerhuis Druk")
        team = Organisation(name="Team", type=OrganisationType.GEMEENTE, region=region)
        db.session.add_all([region, team])
        db.session.flush()
        people = {name: User(email=f"{name}@example.org", password_hash=password_hash(),
                             first_name=name, last_name="Test", region_id=region.id,
                             organisation_id=team.id, email_verified_at=utcnow(),
                             session_nonce=secrets.token_hex(8))
                  for name in ("bevestigd", "aangeboden", "nieuw", "organisator")}
        db.session.add_all(people.values())
        db.session.flush()
        db.session.add(OrganiserRole(user=people["organisator"], organisation=team,
                                     status=ApprovalStatus.APPROVED, decided_at=utcnow()))
        starts = utcnow() + timedelta(days=30)
        training = db.session.scalars(
            sa.select(EventType).where(EventType.code == "training")
        ).one()
        event = Event(region_id=region.id, type=training, organisation_id=team.id,
                      programme_year=starts.year, status=EventStatus.PUBLISHED, title="Vol",
                      address="Plein 1", city="Hilversum", capacity=2, offer_hours=24,
                      published_at=utcnow())
        event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                       net_hours=Decimal(3))]
        db.session.add(event)
        db.session.add(ProgrammeYear(region_id=region.id, year=starts.year,
                                     status=ProgrammeStatus.PUBLISHED))
        db.session.flush()
        db.session.add_all([
            Registration(event_id=event.id, user_id=people["bevestigd"].id,
                         status=RegistrationStatus.CONFIRMED, organisation_id=team.id,
                         confirmed_at=utcnow(), calendar_sequence=0),
            Registration(event_id=event.id, user_id=people["aangeboden"].id,
                         status=RegistrationStatus.OFFERED, organisation_id=team.id,
                         waitlisted_at=utcnow(), offered_until=utcnow() + timedelta(hours=20),
                         calendar_sequence=0),
        ])
        db.session.commit()
        ids = {"event": event.id, **{name: user.id for name, user in people.items()}}
    yield app, ids
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def locked(busy_app, monkeypatch):
    """Another connection holds the event's row lock until the test ends."""
    app, ids = busy_app
    monkeypatch.setattr(registrations, "LOCK_TIMEOUT", "100ms")
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        connection.execute(sa.text("SELECT id FROM event WHERE id = :id FOR UPDATE"),
                           {"id": ids["event"]})
    yield
    transaction.rollback()
    connection.close()


def _client(app, who: str):
    client = app.test_client()
    client.post("/inloggen", data={"email": f"{who}@example.org", "password": PASSWORD})
    return client


def _statuses(app, event_id):
    with app.app_context():
        rows = db.session.execute(sa.select(User.first_name, Registration.status).join(
            User, User.id == Registration.user_id).where(Registration.event_id == event_id))
        result = dict(rows.all())
        db.session.remove()
        return result


def _token_of(app, who: str) -> str:
    with app.test_request_context():
        registration = db.session.scalars(sa.select(Registration).join(
            User, User.id == Registration.user_id).where(User.first_name == who)).one()
        token = registrations.waitlist_link_token(registration)
        db.session.remove()
        return token


@pytest.mark.parametrize(("who", "path", "form"), [
    ("nieuw", "/activiteiten/{event}/aanmelden", {}),
    ("bevestigd", "/activiteiten/{event}/afmelden", {}),
    ("aangeboden", "/activiteiten/{event}/plaats-aannemen", {}),
    ("organisator", "/activiteiten/{event}/deelnemers", {"toevoegen-email": "nieuw@example.org"}),
    ("organisator", "/activiteiten/{event}/deelnemers/{registration}/verwijderen", {}),
    (None, "/wachtlijst/{token}", {"actie": "aannemen"}),
    (None, "/wachtlijst/{token}", {"actie": "afmelden"}),
])
def test_a_locked_event_gives_a_dutch_try_again_page_and_changes_nothing(
        busy_app, locked, who, path, form):
    app, ids = busy_app
    before = _statuses(app, ids["event"])
    with app.app_context():
        registration_id = db.session.scalar(sa.select(Registration.id).where(
            Registration.user_id == ids["bevestigd"]))
        db.session.remove()
    client = _client(app, who) if who else app.test_client()
    url = path.format(event=ids["event"], registration=registration_id,
                      token=_token_of(app, "aangeboden"))
    response = client.post(url, data=form)
    assert response.status_code == 503
    assert "Het is nu erg druk" in response.text
    assert "Probeer het" in response.text
    assert response.headers["Retry-After"]
    assert _statuses(app, ids["event"]) == before
