"""200 logged-in people register at the same moment for a 50-seat event, through a real
gunicorn server on PostgreSQL: exactly 50 confirmed, 150 on the waiting list, no errors,
no duplicates — with 4 and with 16 workers."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import (
    MIGRATIONS,
    PASSWORD,
    ROOT,
    database_url_for,
    free_port,
    make_test_config,
    password_hash,
)
from flask_migrate import upgrade

from leerhuis import create_app
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
    Region,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)

PEOPLE = 200
SEATS = 50

pytestmark = [
    pytest.mark.no_rollback,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="the registration race runs on PostgreSQL (make test starts one)"),
]


@pytest.fixture(scope="module")
def race_database(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("race")
    url = database_url_for(tmp, "race")
    app = create_app(make_test_config(url, tmp))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="race", name="Race", leerhuis_name="Leerhuis Race")
        db.session.add(region)
        db.session.flush()
        organisations = [Organisation(name=f"Team {i}", type=OrganisationType.GEMEENTE,
                                      region_id=region.id) for i in range(20)]
        db.session.add_all(organisations)
        db.session.flush()
        hashed = password_hash()
        db.session.add_all([User(
            email=f"race{i}@example.org", password_hash=hashed, first_name="Deel",
            last_name=f"Nemer {i}", region_id=region.id,
            organisation_id=organisations[i % 20].id, email_verified_at=utcnow(),
            session_nonce=secrets.token_hex(8)) for i in range(PEOPLE)])
        starts = utcnow() + timedelta(days=30)
        training = db.session.scalars(
            sa.select(EventType).where(EventType.code == "training")
        ).one()
        event = Event(region_id=region.id, type=training, organisation_id=organisations[0].id,
                      programme_year=starts.year, status=EventStatus.PUBLISHED,
                      title="Populaire training", address="Plein 1", city="Hilversum",
                      capacity=SEATS, published_at=utcnow())
        event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                       net_hours=Decimal(3))]
        db.session.add(event)
        for year in {starts.year, utcnow().year}:
            db.session.add(ProgrammeYear(region_id=region.id, year=year,
                                         status=ProgrammeStatus.PUBLISHED))
        db.session.commit()
        event_id = event.id
    yield app, url, event_id, tmp
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def start_server(url: str, tmp: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
           "LEERHUIS_HUEY": "memory", "RATELIMIT_ENABLED": "false",
           "MAIL_FILE_DIR": str(tmp / "mail"), "BASE_URL": f"http://127.0.0.1:{port}"}
    log = tmp / f"gunicorn-{workers}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "120", "--log-level", "warning", "leerhuis:create_app()"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/inloggen", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise RuntimeError(log.read_text())


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, path: str) -> str:
        return _CSRF.search(self.get(path)).group(1)


def run_race(base: str, event_id: int) -> list[tuple[int, str]]:
    browsers = []
    for index in range(PEOPLE):
        browser = Browser(base)
        status, _ = browser.post("/inloggen", {"csrf_token": browser.token("/inloggen"),
                                               "email": f"race{index}@example.org",
                                               "password": PASSWORD})
        assert status == 200
        browser.csrf = browser.token(f"/activiteiten/{event_id}")
        browsers.append(browser)
    barrier = threading.Barrier(PEOPLE)
    results: list[tuple[int, str]] = [None] * PEOPLE  # type: ignore[list-item]

    def register(index: int) -> None:
        browser = browsers[index]
        barrier.wait()
        status, page = browser.post(f"/activiteiten/{event_id}/aanmelden",
                                    {"csrf_token": browser.csrf})
        results[index] = (status, page)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("workers", [4, 16])
def test_two_hundred_simultaneous_registrations_fill_exactly_fifty_seats(race_database, workers):
    app, url, event_id, tmp = race_database
    with app.app_context():
        db.session.execute(sa.delete(Registration))
        db.session.commit()
    server, base = start_server(url, tmp, workers)
    try:
        results = run_race(base, event_id)
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = [status for status, _ in results if status != 200]
    assert errors == [], (tmp / f"gunicorn-{workers}.log").read_text()[-3000:]
    confirmed_pages = sum("Je bent aangemeld." in page for _, page in results)
    waiting_pages = sum("op de wachtlijst op plaats" in page for _, page in results)
    assert (confirmed_pages, waiting_pages) == (SEATS, PEOPLE - SEATS)
    with app.app_context():
        rows = db.session.execute(sa.select(Registration.user_id, Registration.status).where(
            Registration.event_id == event_id)).all()
    assert len(rows) == PEOPLE == len({user_id for user_id, _ in rows})
    statuses = [status for _, status in rows]
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.WAITLISTED) == PEOPLE - SEATS
