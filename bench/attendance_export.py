"""attendance_export: the Region's full attendance export (one row per confirmed
registration × session, 150,000 rows) downloaded as CSV and as XLSX from gunicorn, with
seconds and the worker's peak resident memory; beside it a raw database dump of the same
rows (PostgreSQL COPY of the export's own query to CSV)."""

from __future__ import annotations

import random
import time
from datetime import date

import psycopg
from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql

from bench import infra
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    Event,
    EventSession,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)

ROWS = 150_000
DATABASE = "leerhuis_bench_export"


def _period(url: str) -> tuple[date, date]:
    with psycopg.connect(url) as conn:
        first, last = conn.execute("SELECT min(programme_year), max(programme_year) "
                                   "FROM event").fetchone()
    # The last programme year's events may run into the next January.
    return date(first, 1, 1), date(last + 1, 12, 31)


def _top_up(url: str, region_id: int, period: tuple[date, date]) -> tuple[int, str]:
    """Add confirmed registrations (with attendance for past sessions) to the Region's
    single-session events until its export has exactly ROWS rows; returns the row count
    and the export query as SQL for the raw dump."""
    from leerhuis.services import reports  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    rng = random.Random(150_000)
    app = infra.app_for(url)
    with app.app_context():
        span = reports.Period(*period)

        def count() -> int:
            return db.session.scalar(select(func.count()).select_from(
                reports.export_statement(region_id, span).order_by(None).subquery()))

        missing = ROWS - count()
        if missing < 0:
            raise RuntimeError(f"the Region's export already has {ROWS - missing} rows")
        single = (select(EventSession.event_id).group_by(EventSession.event_id)
                  .having(func.count() == 1))
        sessions = dict(db.session.execute(
            select(EventSession.event_id, EventSession.id).join(Event)
            .where(Event.region_id == region_id, EventSession.event_id.in_(single))
            .order_by(EventSession.event_id)).all())
        starts = dict(db.session.execute(select(EventSession.id, EventSession.starts_at)
                                         .where(EventSession.id.in_(sessions.values()))).all())
        people = db.session.execute(select(User.id, User.organisation_id, User.skj_number)
                                    .where(User.region_id == region_id).order_by(User.id)).all()
        taken = set(db.session.execute(select(Registration.event_id, Registration.user_id)
                                       .where(Registration.event_id.in_(sessions))).all())
        event_ids, cursor = list(sessions), {event_id: 0 for event_id in sessions}
        now = utcnow()
        rows = []
        for index in range(missing):
            event_id = event_ids[index % len(event_ids)]
            while True:
                person = people[(cursor[event_id] + event_id * 37) % len(people)]
                cursor[event_id] += 1
                if (event_id, person.id) not in taken:
                    break
            taken.add((event_id, person.id))
            rows.append({"event_id": event_id, "user_id": person.id,
                         "status": RegistrationStatus.CONFIRMED,
                         "organisation_id": person.organisation_id,
                         "skj_number": person.skj_number, "consent_share_name": True,
                         "registered_at": now, "confirmed_at": now})
        first_new = (db.session.scalar(select(func.max(Registration.id))) or 0) + 1
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Registration), rows[start:start + 5000])
        added = db.session.execute(select(Registration.id, Registration.event_id)
                                   .where(Registration.id >= first_new)).all()
        marks = [{"registration_id": registration_id, "session_id": sessions[event_id],
                  "state": rng.choice(["aanwezig"] * 17 + ["afwezig"] * 2 + ["afgemeld"]),
                  "source": "organisator", "marked_at": now}
                 for registration_id, event_id in added if starts[sessions[event_id]] < now]
        for start in range(0, len(marks), 5000):
            db.session.execute(insert(Attendance.__table__), marks[start:start + 5000])
        db.session.commit()
        total = count()
        sql = str(reports.export_statement(region_id, span).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        db.session.remove()
        db.engine.dispose()
    with infra.psycopg_connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return total, sql


def _raw_dump_seconds(url: str, sql: str) -> float:
    """The database alone: COPY the export's query to CSV and read every byte."""
    best = float("inf")
    with infra.psycopg_connect(url) as conn:
        for _ in range(3):
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, DELIMITER ';', "
                                    "HEADER)") as copy:
                size = sum(len(block) for block in copy)
            best = min(best, time.perf_counter() - started)
            assert size > 0, "the raw dump read nothing"
    return best


def _download(url: str, admin: str, path: str) -> tuple[float, float, float, int]:
    """A fresh one-worker server per download: (seconds, the worker's peak RSS MB during the
    download, its RSS MB before, bytes)."""
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40}
    # Without gunicorn.conf.py's preload: there every worker shares the master's ~1 GB of
    # deduce lookup tables (the anonymisation guard), which count in each worker's RSS but
    # are never touched by an export. Measured so, RSS is what the export itself holds.
    with infra.gunicorn("leerhuis:create_app()", workers=1, env=env,
                        production_config=False) as (base, process):
        cookie = infra.login_cookie(base, admin, infra.BENCH_PASSWORD)
        infra.timed_get(base, "/regio/overzichten/presentie.csv?van=2000-01-01&tot=2000-01-02",
                        cookie=cookie)  # warm-up: the route, the query path, the imports
        [worker] = infra.worker_pids(process)
        # The login's password hash (argon2) briefly takes 64 MB; the export's peak starts here.
        idle = infra.reset_peak_rss(worker)
        seconds, status, size = infra.timed_get(base, path, cookie=cookie)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        return seconds, infra.peak_rss_mb(worker), idle, size


def run(context: infra.Context) -> dict:
    data = context.large()
    url = context.copy_of_large(DATABASE)
    try:
        start, end = _period(url)
        rows, sql = _top_up(url, data.region_id, (start, end))
        query = f"van={start.isoformat()}&tot={end.isoformat()}"
        baseline = _raw_dump_seconds(url, sql)
        csv = [_download(url, data.admin_email, f"/regio/overzichten/presentie.csv?{query}")
               for _ in range(2)]
        xlsx = _download(url, data.admin_email, f"/regio/overzichten/presentie.xlsx?{query}")
    finally:
        context.drop_database(DATABASE)
    csv_seconds = min(seconds for seconds, *_ in csv)
    return {"rows": rows, "csv_seconds": round(csv_seconds, 2),
            "xlsx_seconds": round(xlsx[0], 2), "baseline_seconds": round(baseline, 2),
            "ratio": round(csv_seconds / baseline, 2),
            "peak_rss_mb": round(max(peak for _s, peak, *_ in [*csv, xlsx]), 1),
            "idle_rss_mb": round(max(idle for _s, _p, idle, _b in [*csv, xlsx]), 1),
            "csv_bytes": csv[0][3], "xlsx_bytes": xlsx[3]}
