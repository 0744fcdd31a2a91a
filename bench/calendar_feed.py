"""calendar_feed: a professional's personal iCalendar feed (/agenda/<token>.ics) with 500
confirmed registrations, fetched over HTTP from gunicorn as a calendar client polls it;
beside it a bare Flask hello world fetched the same way from the same kind of server."""

from __future__ import annotations

import secrets
import statistics

from sqlalchemy import insert, select

from bench import infra
from leerhuis.extensions import db
from leerhuis.models import Event, Registration, RegistrationStatus, User, utcnow

REGISTRATIONS = 500
FETCHES = 40
DATABASE = "leerhuis_bench_feed"


def _prepare(url: str, email: str) -> tuple[str, int]:
    """Give ``email`` 500 confirmed registrations (events of every year and region) and a
    feed token; returns the token and the number of registrations."""
    app = infra.app_for(url)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        taken = set(db.session.scalars(select(Registration.event_id)
                                       .where(Registration.user_id == user.id)))
        event_ids = [event_id for event_id in db.session.scalars(
            select(Event.id).order_by(Event.id)) if event_id not in taken]
        step = len(event_ids) // (REGISTRATIONS - len(taken))
        chosen = event_ids[::step][:REGISTRATIONS - len(taken)]
        now = utcnow()
        db.session.execute(insert(Registration), [
            {"event_id": event_id, "user_id": user.id, "status": RegistrationStatus.CONFIRMED,
             "organisation_id": user.organisation_id, "skj_number": user.skj_number,
             "registered_at": now, "confirmed_at": now} for event_id in chosen])
        db.session.execute(Registration.__table__.update()
                           .where(Registration.user_id == user.id)
                           .values(status=RegistrationStatus.CONFIRMED))
        token = secrets.token_urlsafe(32)
        user.calendar_token = token
        db.session.commit()
        count = db.session.scalar(select(db.func.count()).select_from(Registration).where(
            Registration.user_id == user.id, Registration.status == RegistrationStatus.CONFIRMED))
        db.session.remove()
        db.engine.dispose()
    return token, count


def _fetch_times(base: str, path: str) -> list[float]:
    for _ in range(5):  # warm-up: imports, connection pool, caches
        infra.timed_get(base, path)
    times = []
    for _ in range(FETCHES):
        seconds, status, _size = infra.timed_get(base, path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        times.append(seconds * 1000)
    return times


def run(context: infra.Context) -> dict:
    data = context.large()
    url = context.copy_of_large(DATABASE)
    try:
        token, count = _prepare(url, data.professional_emails[0])
        env = {"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40}
        with infra.gunicorn("leerhuis:create_app()", workers=1, env=env) as (base, _process):
            feed = _fetch_times(base, f"/agenda/{token}.ics")
            _seconds, _status, size = infra.timed_get(base, f"/agenda/{token}.ics")
        with infra.gunicorn("bench.hello:app", workers=1) as (base, _process):
            hello = _fetch_times(base, "/")
    finally:
        context.drop_database(DATABASE)
    return {"events": count, "ms": round(statistics.median(feed), 1),
            "p95_ms": round(infra.percentile(feed, 95), 1), "bytes": size,
            "baseline_ms": round(statistics.median(hello), 2)}
