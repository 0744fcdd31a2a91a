"""Many people at once on the embedded default: logging in, registering for the last places,
saving their profile and asking for a password reset at the same moment, while the
background worker sends mail and records its work. Real threads, each with its own
connection to one database file (or PostgreSQL): every answer is a normal page (no 503
"tijdelijk niet beschikbaar"), and every write is there afterwards. SQLite makes writers
wait their turn; it must never refuse one because another committed first."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import MIGRATIONS, PASSWORD, database_url_for, make_test_config, password_hash
from flask_migrate import upgrade
from sqlalchemy import func, select

from leerhuis import create_app, tasks
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceSource,
    AttendanceState,
    CertificateRun,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Municipality,
    Organisation,
    OrganisationType,
    OutboxMessage,
    OutboxStatus,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    Registration,
    RegistrationStatus,
    RunStatus,
    User,
    utcnow,
)
from leerhuis.services import certificates

PEOPLE = 16
PLACES = 4

pytestmark = pytest.mark.no_rollback


@pytest.fixture
def crowded_app(tmp_path):
    app = create_app(make_test_config(database_url_for(tmp_path, "crowd"), tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="gooi", name="Gooi en Vechtstreek", leerhuis_name="Leerhuis")
        region.municipalities = [Municipality(name="Hilversum")]
        organisation = Organisation(name="Gezinshuis De Linde",
                                    type=OrganisationType.ZORGAANBIEDER, region=region)
        db.session.add_all([region, organisation])
        db.session.flush()
        starts = utcnow() + timedelta(days=30)
        db.session.add(ProgrammeYear(region_id=region.id, year=starts.year,
                                     status=ProgrammeStatus.PUBLISHED))
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        event = Event(region_id=region.id, type=training, organisation_id=organisation.id,
                      programme_year=starts.year, status=EventStatus.PUBLISHED,
                      title="Gesprekstechnieken", address="Plein 1", city="Hilversum",
                      capacity=PLACES, published_at=utcnow())
        event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=2),
                                       net_hours=Decimal(2))]
        db.session.add(event)
        db.session.add_all(
            User(email=f"persoon{i}@example.org", password_hash=password_hash(),
                 first_name="Sanne", last_name=f"Jansen {i}", region_id=region.id,
                 municipality_id=region.municipalities[0].id, email_verified_at=utcnow(),
                 session_nonce=secrets.token_hex(8))
            for i in range(PEOPLE))
        db.session.commit()
        app.config["TEST_EVENT_ID"] = event.id
        app.config["TEST_MUNICIPALITY_ID"] = region.municipalities[0].id
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_people_acting_at_once_are_all_served_and_every_write_is_kept(crowded_app, task_queue):
    app = crowded_app
    event_id = app.config["TEST_EVENT_ID"]
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(PEOPLE + 1)
    people_done = threading.Event()

    def person(index: int) -> None:
        client = app.test_client()
        email = f"persoon{index}@example.org"
        start.wait()
        answers = [
            ("inloggen", client.post("/inloggen", data={"email": email, "password": PASSWORD})),
            ("aanmelden", client.post(f"/activiteiten/{event_id}/aanmelden")),
            ("profiel", client.post("/profiel", data={
                "first_name": "Sanne", "last_name": f"Jansen {index}",
                "function": f"gezinsvoogd {index}", "organisation_id": "",
                "municipality_id": str(app.config["TEST_MUNICIPALITY_ID"]),
                "target_group_id": "", "skj_number": "", "skj_kamer": "",
                "preferred_language": "nl"})),
            ("wachtwoord-vergeten", client.post("/wachtwoord-vergeten", data={"email": email})),
        ]
        with lock:
            statuses.extend((name, response.status_code) for name, response in answers)

    def worker() -> None:
        # The worker runs what the crowd queues (reset mails are written by a task) and
        # sends the mail, committing all the while, as the Huey consumer does.
        with app.app_context():
            start.wait()
            while not people_done.is_set():
                task_queue.run()
                tasks.deliver_outbox.call_local()
            task_queue.run()
            tasks.deliver_outbox.call_local()
            db.session.remove()

    threads = [threading.Thread(target=person, args=(i,)) for i in range(PEOPLE)]
    mail_worker = threading.Thread(target=worker)
    for thread in [*threads, mail_worker]:
        thread.start()
    for thread in threads:
        thread.join()
    people_done.set()
    mail_worker.join()

    assert [(name, status) for name, status in statuses if status != 302] == []
    with app.app_context():
        registered = db.session.scalars(select(Registration.status).where(
            Registration.event_id == event_id)).all()
        assert registered.count(RegistrationStatus.CONFIRMED) == PLACES
        assert registered.count(RegistrationStatus.WAITLISTED) == PEOPLE - PLACES
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.function.like("gezinsvoogd %"), User.last_login_at.is_not(None))) == PEOPLE
        resets = db.session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.kind == "reset_password")).all()
        assert resets == [OutboxStatus.SENT] * PEOPLE
        db.session.remove()


def test_two_certificate_runs_started_moments_apart_both_finish(crowded_app):
    """The probe started a second run 0.3 s after the first: on SQLite it failed with
    "database is locked" and could not even record that. Both runs issue every certificate."""
    app = crowded_app
    with app.app_context():
        region_id = db.session.scalar(select(Region.id))
        organisation_id = db.session.scalar(select(Organisation.id))
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        people = db.session.scalars(select(User).order_by(User.id).limit(3)).all()
        started = utcnow() - timedelta(days=2)
        run_ids = []
        for title in ("Verklarende analyse", "Veerkracht"):
            event = Event(region_id=region_id, type=training, organisation_id=organisation_id,
                          programme_year=started.year, status=EventStatus.FINISHED, title=title,
                          address="Plein 1", city="Hilversum", attendance_closed_at=utcnow())
            event.sessions = [EventSession(starts_at=started, net_hours=Decimal(2),
                                           ends_at=started + timedelta(hours=2))]
            db.session.add(event)
            db.session.add_all(
                Attendance(registration=Registration(event=event, user=person,
                                                     status=RegistrationStatus.CONFIRMED),
                           session=event.sessions[0], state=AttendanceState.PRESENT,
                           source=AttendanceSource.ORGANISER)
                for person in people)
            db.session.flush()
            run_ids.append(certificates.start_run(event, by=people[0]).id)
        db.session.commit()
        db.session.remove()
    failures: list[BaseException] = []

    def worker(run_id: int, delay: float) -> None:
        time.sleep(delay)
        try:
            with app.app_context():
                tasks.issue_certificates.call_local(run_id)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(run_id, delay))
               for run_id, delay in zip(run_ids, (0, 0.3), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        runs = db.session.scalars(select(CertificateRun).order_by(CertificateRun.id)).all()
        assert [(run.status, run.done) for run in runs] == [(RunStatus.DONE, 3)] * 2
        db.session.remove()
