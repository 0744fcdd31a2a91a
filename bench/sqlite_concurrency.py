"""sqlite_concurrency: a small region's peak on the embedded default, beside PostgreSQL.

50 professionals at once, each in their own browser: log in, register for an activity with
10 places, save their profile, ask for a password reset. Meanwhile the Huey worker (a
separate process on the SQLite task queue, as `make run` starts it) sends the mail those
actions queue and issues the certificates of a past activity with 100 participants, started
by the Region just before the crowd arrives. gunicorn with 4 workers serves the portal.

Counted: every HTTP answer (5xx and unreachable are errors), p95 latency, and afterwards in
the database every write that should be there (lost writes): 50 registrations (10 confirmed,
40 on the waiting list), 50 saved profiles, 50 logins, 50 reset mails queued, 100 certificates.
The same load runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from bench import infra
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceSource,
    AttendanceState,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Municipality,
    Organisation,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)

USERS = 50
PLACES = 10
CERTIFICATES = 100
WORKERS = 4
# What must be in the database afterwards; anything less is a lost write.
EXPECTED = {"registrations": USERS, "confirmed": PLACES, "profiles": USERS, "logins": USERS,
            "reset_mails": USERS, "certificates": CERTIFICATES}


def _prepare(database_url: str) -> dict:
    """Demo data plus the crowd, the activity they want and a past one to certify."""
    from leerhuis.services.accounts import hash_password  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    infra.flask_command(database_url, "db", "upgrade")
    infra.flask_command(database_url, "seed-demo")
    app = infra.app_for(database_url)
    with app.app_context():
        admin = db.session.scalars(select(User).where(User.email == "regio@example.org")).one()
        region_id = admin.region_id
        municipality = db.session.scalars(select(Municipality).where(
            Municipality.region_id == region_id).order_by(Municipality.id)).first()
        organisation = db.session.scalars(select(Organisation).where(
            Organisation.region_id == region_id).order_by(Organisation.id)).first()
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        password = hash_password(infra.BENCH_PASSWORD)
        crowd = [User(email=f"piek{i}@example.org", password_hash=password, first_name="Piek",
                      last_name=f"Deelnemer {i}", function="jeugdconsulent", region_id=region_id,
                      municipality_id=municipality.id, email_verified_at=utcnow(),
                      session_nonce=f"piek{i}") for i in range(USERS)]
        alumni = [User(email=f"oud{i}@example.org", password_hash=password, first_name="Oud",
                       last_name=f"Deelnemer {i}", region_id=region_id,
                       email_verified_at=utcnow(), session_nonce=f"oud{i}")
                  for i in range(CERTIFICATES)]
        db.session.add_all(crowd + alumni)

        def event(title: str, starts, capacity: int) -> Event:
            made = Event(region_id=region_id, type=training, organisation_id=organisation.id,
                         programme_year=starts.year, status=EventStatus.PUBLISHED, title=title,
                         address="Plein 1", city="Hilversum", capacity=capacity,
                         published_at=utcnow() - timedelta(days=90))
            made.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                          net_hours=Decimal(3))]
            db.session.add(made)
            return made

        for year in {(utcnow() + timedelta(days=offset)).year for offset in (-7, 30)}:
            programme = db.session.scalars(select(ProgrammeYear).where(
                ProgrammeYear.region_id == region_id, ProgrammeYear.year == year)).first()
            if programme is None:
                programme = ProgrammeYear(region_id=region_id, year=year)
                db.session.add(programme)
            programme.status = ProgrammeStatus.PUBLISHED
        wanted = event("Gesprekstechnieken bij uithuisplaatsing", utcnow() + timedelta(days=30),
                       PLACES)
        past = event("Verklarende analyse", utcnow() - timedelta(days=7), CERTIFICATES)
        db.session.flush()
        db.session.add_all(
            Attendance(registration=Registration(event=past, user=user,
                                                 status=RegistrationStatus.CONFIRMED),
                       session=past.sessions[0], state=AttendanceState.PRESENT,
                       source=AttendanceSource.ORGANISER)
            for user in alumni)
        past.attendance_closed_at = utcnow()
        db.session.commit()
        facts = {"event_id": wanted.id, "past_event_id": past.id,
                 "municipality_id": municipality.id}
        db.session.remove()
        db.engine.dispose()
    return facts


def _profile_form(browser: infra.Browser, index: int, municipality_id: int) -> dict:
    return {"csrf_token": browser.token("/profiel"), "first_name": "Piek",
            "last_name": f"Deelnemer {index}", "function": f"gezinsvoogd {index}",
            "organisation_id": "", "municipality_id": str(municipality_id),
            "target_group_id": "", "skj_number": "", "skj_kamer": "",
            "preferred_language": "nl"}


def _crowd(base: str, facts: dict) -> dict:
    """Everyone at once; returns the answers' statuses and latencies."""
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(USERS)

    def timed(action) -> None:
        started = time.perf_counter()
        status, _page = action()
        with lock:
            statuses.append(status)
            latencies.append(time.perf_counter() - started)

    def person(index: int) -> None:
        try:
            steps(index)
        except OSError as error:  # a page the next step needs did not load
            with lock:
                statuses.append(getattr(error, "code", 0))

    def steps(index: int) -> None:
        browser = infra.Browser(base, timeout=120)
        email = f"piek{index}@example.org"
        login_token = browser.token("/inloggen")
        barrier.wait()
        timed(lambda: browser.post("/inloggen", {"csrf_token": login_token, "email": email,
                                                 "password": infra.BENCH_PASSWORD}))
        event_id = facts["event_id"]
        token = browser.token(f"/activiteiten/{event_id}")
        timed(lambda: browser.post(f"/activiteiten/{event_id}/aanmelden",
                                   {"csrf_token": token}))
        form = _profile_form(browser, index, facts["municipality_id"])
        timed(lambda: browser.post("/profiel", form))
        token = browser.token("/wachtwoord-vergeten")
        timed(lambda: browser.post("/wachtwoord-vergeten", {"csrf_token": token,
                                                            "email": email}))

    threads = [threading.Thread(target=person, args=(i,)) for i in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"statuses": statuses, "latencies": latencies}


def _count_writes(database_url: str, facts: dict, *, wait_seconds: float = 120) -> dict:
    """What reached the database; waits for the worker to finish the certificate run."""
    engine = sa.create_engine(infra.sqlalchemy_url(database_url))
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            with engine.connect() as conn:
                scalar = conn.execute
                counts = {
                    "registrations": scalar(sa.text(
                        "SELECT count(*) FROM registration WHERE event_id = :e"),
                        {"e": facts["event_id"]}).scalar(),
                    "confirmed": scalar(sa.text(
                        "SELECT count(*) FROM registration WHERE event_id = :e "
                        "AND status = 'bevestigd'"), {"e": facts["event_id"]}).scalar(),
                    "profiles": scalar(sa.text(
                        "SELECT count(*) FROM user_account WHERE function LIKE 'gezinsvoogd %'")
                    ).scalar(),
                    "logins": scalar(sa.text(
                        "SELECT count(*) FROM user_account WHERE email LIKE 'piek%' "
                        "AND last_login_at IS NOT NULL")).scalar(),
                    "reset_mails": scalar(sa.text(
                        "SELECT count(*) FROM outbox_message WHERE recipient LIKE 'piek%' "
                        "AND kind = 'reset_password'")).scalar(),
                    "certificates": scalar(sa.text(
                        "SELECT count(*) FROM certificate c JOIN registration r "
                        "ON r.id = c.registration_id WHERE r.event_id = :e"),
                        {"e": facts["past_event_id"]}).scalar(),
                }
            if all(counts[key] >= EXPECTED[key] for key in EXPECTED) or (
                    time.monotonic() > deadline):
                return counts
            time.sleep(1)
    finally:
        engine.dispose()


def _start_certificate_run(base: str, past_event_id: int) -> int:
    admin = infra.Browser(base, timeout=120)
    admin.log_in("regio@example.org", "leerhuis-demo")
    token = admin.token(f"/activiteiten/{past_event_id}/presentie")
    status, _page = admin.post(f"/activiteiten/{past_event_id}/bewijzen", {"csrf_token": token})
    return status


def _measure(database: str, database_url: str) -> dict:
    facts = _prepare(database_url)
    scratch = Path(tempfile.mkdtemp(prefix="leerhuis-bench-peak-"))
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-" + "x" * 40,
           "LEERHUIS_HUEY": "", "HUEY_SQLITE_PATH": str(scratch / "huey.sqlite"),
           "MAIL_FILE_DIR": str(scratch / "mail"), "CERTIFICATE_DIR": str(scratch / "certs"),
           "PDF_WORKERS": "1"}
    worker_log = (scratch / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "leerhuis.tasks.huey", "-w", "2",
         "-k", "thread", "-q"],
        cwd=infra.ROOT, env={**infra.os.environ, **env}, stdout=worker_log,
        stderr=subprocess.STDOUT)
    try:
        with infra.gunicorn("wsgi:app", workers=WORKERS, env=env) as (base, _process):
            run_status = _start_certificate_run(base, facts["past_event_id"])
            started = time.monotonic()
            answers = _crowd(base, facts)
            seconds = time.monotonic() - started
        writes = _count_writes(database_url, facts)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        worker_log.close()
    statuses = answers["statuses"]
    lost = sum(max(0, EXPECTED[key] - writes[key]) for key in EXPECTED)
    return {"database": database, "users": USERS, "requests": len(statuses),
            "errors_5xx": sum(1 for status in statuses if status >= 500 or status == 0),
            "other_errors": sum(1 for status in statuses if 400 <= status < 500),
            "p95_ms": round(infra.percentile(answers["latencies"], 95) * 1000, 1),
            "max_ms": round(max(answers["latencies"]) * 1000, 1),
            "seconds": round(seconds, 1), "lost_writes": lost,
            "certificate_run_started": run_status, **writes}


def run(context: infra.Context) -> list[dict]:
    sqlite_dir = Path(tempfile.mkdtemp(prefix="leerhuis-bench-sqlite-"))
    results = [_measure("sqlite", f"sqlite:///{sqlite_dir / 'leerhuis.sqlite'}")]
    name = "leerhuis_bench_peak"
    url = context.empty_database(name)
    try:
        results.append(_measure("postgresql", url))
    finally:
        context.drop_database(name)
    return results
