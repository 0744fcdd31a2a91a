"""registration_race: 200 logged-in professionals register at the same moment over HTTP for
an event with 50 seats, on the region-sized data, with 4 and with 16 gunicorn workers.
Counted from the database afterwards: confirmed, waiting list; errors are HTTP failures and
answers that do not say either."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bench import infra
from leerhuis.extensions import db
from leerhuis.models import Event, EventSession, EventStatus, EventType, Organisation, utcnow

SEATS = 50
PEOPLE = 200
WORKER_COUNTS = (4, 16)
DATABASE = "leerhuis_bench_race"


def _create_event(url: str, region_id: int) -> int:
    app = infra.app_for(url)
    with app.app_context():
        starts = utcnow() + timedelta(days=30)
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        organisation = db.session.scalars(select(Organisation).where(
            Organisation.region_id == region_id).order_by(Organisation.id)).first()
        event = Event(region_id=region_id, type=training, organisation_id=organisation.id,
                      programme_year=starts.year, status=EventStatus.PUBLISHED,
                      title="Populaire training", address="Plein 1", city="Hilversum",
                      capacity=SEATS, published_at=utcnow())
        event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                       net_hours=Decimal(3))]
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.session.remove()
        db.engine.dispose()
    return event_id


def _counts(url: str, event_id: int) -> tuple[int, int, int]:
    with infra.psycopg_connect(url) as conn:
        rows = dict(conn.execute("SELECT status, count(*) FROM registration WHERE event_id = %s "
                                 "GROUP BY status", (event_id,)).fetchall())
        conn.execute("DELETE FROM registration WHERE event_id = %s", (event_id,))
    return rows.get("bevestigd", 0), rows.get("wachtlijst", 0), sum(rows.values())


def _race(url: str, event_id: int, emails: list[str], workers: int) -> dict:
    env = {"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40}
    with infra.gunicorn("leerhuis:create_app()", workers=workers, env=env) as (base, _process):
        browsers = []
        for email in emails:
            browser = infra.Browser(base)
            status = browser.log_in(email, infra.BENCH_PASSWORD)
            if status != 200:
                raise RuntimeError(f"login {email}: HTTP {status}")
            browser.csrf = browser.token(f"/activiteiten/{event_id}")
            browsers.append(browser)
        barrier = threading.Barrier(len(browsers))
        answers: list[tuple[int, str]] = [(0, "")] * len(browsers)

        def register(index: int) -> None:
            barrier.wait()
            answers[index] = browsers[index].post(f"/activiteiten/{event_id}/aanmelden",
                                                  {"csrf_token": browsers[index].csrf})

        threads = [threading.Thread(target=register, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    confirmed, waitlisted, total = _counts(url, event_id)
    told = sum(1 for status, page in answers if status == 200 and (
        "Je bent aangemeld." in page or "op de wachtlijst op plaats" in page))
    errors = len(answers) - told + (total - confirmed - waitlisted)
    return {"seats": SEATS, "attempts": len(answers), "workers": workers,
            "confirmed": confirmed, "waitlisted": waitlisted, "errors": errors}


def run(context: infra.Context) -> list[dict]:
    data = context.large()
    url = context.copy_of_large(DATABASE)
    try:
        event_id = _create_event(url, data.region_id)
        emails = data.professional_emails[-PEOPLE:]
        return [_race(url, event_id, emails, workers) for workers in WORKER_COUNTS]
    finally:
        context.drop_database(DATABASE)
