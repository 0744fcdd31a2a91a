"""load_test: realistic users against the production profile on loopback (issue 7 item 7).

scripts/run_production.sh starts PostgreSQL, Redis, gunicorn (wsgi.py, LEERHUIS_ENV=production)
and the Huey worker, with the demo data and mail going over SMTP to a sink in this process.
Then USERS threads, each a requests session behaving like a browser, run for SECONDS:
- professionals (distinct demo accounts) browse the programme, open events, register with
  the CSRF token of the page, look at Mijn Leerhuis and unregister again now and then;
- certificate holders (the demo deelnemer, who has issued certificates) browse and download
  their certificates (PDF).
Rate limits are off for this run: every user comes from 127.0.0.1, and one address must not
be throttled like an attacker (tests/test_production_profile.py proves the limits).

Afterwards nothing may be lost: every registration and unregistration a user saw confirmed
is in the database exactly once and in that state, and every mail in the outbox has been
delivered to the SMTP sink (none pending or failed).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bench.infra import free_port

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("LOAD_USERS", "24"))
CERTIFICATE_HOLDERS = max(1, USERS // 6)
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
PASSWORD = "leerhuis-demo"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PDF_LINK = re.compile(r'href="(/certificaat/[^"]+/pdf)"')


def run(context=None) -> dict:
    sink = _Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port, enable_SMTPUTF8=True)
    controller.start()
    try:
        with _production_profile(smtp_port, context) as (base, database_url):
            return _load(base, database_url, sink)
    finally:
        controller.stop()


class _Sink:
    def __init__(self):
        self.received: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[recipient.lower()] += 1
        return "250 OK"


class _ProfileStarted:
    def __init__(self, smtp_port: int, context):
        env = {**os.environ, "PORT": "0", "WORKERS": str(WORKERS), "SEED": "1",
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
               "RATELIMIT_ENABLED": "false"}
        for name in ("LEERHUIS_HUEY", "DATABASE_URL", "REDIS_URL"):
            env.pop(name, None)
        if context is not None:
            env["TEST_DATABASE_URL"] = context.server_url
        self.log = Path(tempfile.mkstemp(prefix="leerhuis-load-", suffix=".log")[1])
        with self.log.open("w") as stderr:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "run_production.sh")], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True)

    def __enter__(self):
        for line in self.process.stdout:
            if line.startswith("LEERHUIS READY"):
                _, _, base, _redis, database = line.split()
                # Keep reading: a server writing to a full pipe would stop serving.
                threading.Thread(target=self.process.stdout.read, daemon=True).start()
                return base, database
        self.__exit__()
        raise RuntimeError(f"productieprofiel startte niet: {self.log.read_text()[-3000:]}")

    def __exit__(self, *exc):
        with contextlib.suppress(ProcessLookupError):  # the profile already stopped
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(60)
        self.process.stdout.close()


def _production_profile(smtp_port: int, context) -> _ProfileStarted:
    return _ProfileStarted(smtp_port, context)


class Browser:
    """A requests session behaving like a browser behind the TLS proxy production runs
    behind: the app's cookies are Secure, and on loopback HTTP they must still go back —
    also on redirects, so those are followed here. Every request is timed."""

    def __init__(self, base: str, stats: _Stats):
        self.session = requests.Session()
        self.base, self.stats = base, stats

    def request(self, method: str, path: str, **kwargs):
        url = self.base + path
        for _ in range(5):
            started = time.perf_counter()
            try:
                response = self.session.request(method, url, timeout=60,
                                                allow_redirects=False, **kwargs)
            except requests.RequestException:
                self.stats.record(time.perf_counter() - started, ok=False)
                return None
            for cookie in self.session.cookies:
                cookie.secure = False
            self.stats.record(time.perf_counter() - started, ok=response.status_code < 400)
            if not response.is_redirect:
                return response
            method, kwargs = "GET", {}
            url = requests.compat.urljoin(url, response.headers["Location"])
        return response

    def form(self, path: str, data: dict, page: str):
        shown = self.request("GET", page)
        found = CSRF.search(shown.text) if shown is not None else None
        if found is None:
            return None
        return self.request("POST", path, data={"csrf_token": found.group(1), **data})


class _Stats:
    def __init__(self):
        self.latencies: list[float] = []
        self.errors = 0
        self.lock = threading.Lock()
        self.actions: Counter = Counter()

    def record(self, seconds: float, *, ok: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.errors += 1


def _load(base: str, database_url: str, sink: _Sink) -> dict:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        professionals = list(conn.scalars(sa.text(
            "SELECT email FROM user_account WHERE NOT is_region_admin AND email <> "
            "'deelnemer@example.org' ORDER BY id")))

    stats = _Stats()
    # The day the programme opens: the Region publishes next year's programme, then everyone
    # comes to register.
    year = datetime.now(UTC).year + 1
    region = Browser(base, stats)
    region.form("/inloggen", {"email": "regio@example.org", "password": PASSWORD}, "/inloggen")
    published = region.form(f"/regio/programma/{year}/publiceren", {}, "/regio/programma")
    assert published is not None, "jaarprogramma niet gepubliceerd"
    assert published.status_code == 200, "jaarprogramma niet gepubliceerd"
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    listing = requests.get(f"{base}/api/v1/evenementen?limit=500", timeout=30).json()
    open_events = [e["id"] for e in listing["evenementen"] if e["status"] == "gepubliceerd"
                   and not e["geaccrediteerd"] and e["bijeenkomsten"]
                   and e["bijeenkomsten"][0]["begin"] > soon]
    assert open_events, "geen open activiteiten om je voor aan te melden"
    browse = [f"/programma/gooi-en-vechtstreek/{year}",
              f"/programma/gooi-en-vechtstreek/{year}?weergave=kalender",
              f"/programma/gooi-en-vechtstreek/{year}?soort=training",
              *[f"/activiteiten/{e['id']}" for e in listing["evenementen"][:20]]]

    ledger: dict[tuple[str, int], str] = {}
    ledger_lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def professional(email: str, seed: int) -> None:
        rng = random.Random(seed)
        browser = Browser(base, stats)
        browser.form("/inloggen", {"email": email, "password": PASSWORD}, "/inloggen")
        mine: set[int] = set()
        while time.monotonic() < stop:
            browser.request("GET", rng.choice(browse))
            event_id = rng.choice(open_events)
            page = f"/activiteiten/{event_id}"
            if event_id in mine and rng.random() < 0.5:
                done = browser.form(f"/activiteiten/{event_id}/afmelden", {}, page)
                if done is not None and "Je bent afgemeld" in done.text:
                    mine.discard(event_id)
                    with ledger_lock:
                        ledger[(email, event_id)] = "cancelled"
                        stats.actions["afmeldingen"] += 1
            elif event_id not in mine:
                done = browser.form(f"/activiteiten/{event_id}/aanmelden",
                                    {"diet": rng.choice(["", "vegetarisch", "halal"])}, page)
                if done is not None and ("Je bent aangemeld" in done.text
                                         or "op de wachtlijst op plaats" in done.text):
                    mine.add(event_id)
                    with ledger_lock:
                        ledger[(email, event_id)] = "active"
                        stats.actions["aanmeldingen"] += 1
            browser.request("GET", "/mijn-leerhuis")

    def certificate_holder(seed: int) -> None:
        rng = random.Random(seed)
        browser = Browser(base, stats)
        browser.form("/inloggen", {"email": "deelnemer@example.org", "password": PASSWORD},
                     "/inloggen")
        while time.monotonic() < stop:
            browser.request("GET", rng.choice(browse))
            page = browser.request("GET", "/mijn-leerhuis/bewijzen")
            links = PDF_LINK.findall(page.text) if page is not None else []
            if links:
                pdf = browser.request("GET", rng.choice(links))
                if pdf is not None and pdf.content.startswith(b"%PDF"):
                    with ledger_lock:
                        stats.actions["bewijzen gedownload"] += 1

    def guarded(user, *args):
        # A user that trips over an exception counts as an error and carries on.
        while time.monotonic() < stop:
            try:
                user(*args)
            except Exception:  # noqa: BLE001 - counted, and the run's figures show it
                stats.record(0.0, ok=False)

    threads = [threading.Thread(target=guarded, args=(professional, email, i))
               for i, email in enumerate(professionals[:USERS - CERTIFICATE_HOLDERS])]
    threads += [threading.Thread(target=guarded, args=(certificate_holder, 1000 + i))
                for i in range(CERTIFICATE_HOLDERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    lost = _lost(engine, ledger, sink)
    engine.dispose()
    latencies = sorted(stats.latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    return {
        "users": len(threads), "gunicorn_workers": WORKERS, "seconds": round(elapsed, 1),
        "requests": len(latencies), "errors": stats.errors,
        "rps": round(len(latencies) / elapsed, 1), "p95_ms": round(p95 * 1000, 1),
        "registrations": stats.actions["aanmeldingen"],
        "unregistrations": stats.actions["afmeldingen"],
        "certificates_downloaded": stats.actions["bewijzen gedownload"],
        **lost,
    }


def _lost(engine, ledger: dict, sink: _Sink) -> dict:
    """What the users saw confirmed against what the database and the mail sink hold."""
    deadline = time.monotonic() + 180
    with engine.connect() as conn:
        while time.monotonic() < deadline and conn.scalar(sa.text(
                "SELECT count(*) FROM outbox_message WHERE status = 'wachtend'")):
            conn.commit()
            time.sleep(1)
        outbox = conn.execute(sa.text(
            "SELECT lower(recipient), subject, status FROM outbox_message")).all()
        rows = conn.execute(sa.text(
            "SELECT u.email, r.event_id, r.status FROM registration r "
            "JOIN user_account u ON u.id = r.user_id")).all()
    by_key = Counter((email, event_id) for email, event_id, _ in rows)
    status = {(email, event_id): state for email, event_id, state in rows}
    lost_registrations = 0
    for key, seen in ledger.items():
        active = status.get(key) in ("bevestigd", "wachtlijst", "aangeboden")
        if by_key[key] != 1 or active != (seen == "active"):
            lost_registrations += 1
            print(f"   verloren: {key} gezien {seen}, database {status.get(key)} "
                  f"({by_key[key]}x)", flush=True)
    # Per recipient: subjects come back re-folded and re-encoded, addresses do not.
    sent = Counter(recipient for recipient, _subject, state in outbox if state == "verzonden")
    undelivered = sum(1 for *_, state in outbox if state != "verzonden")
    missing_mail = sum((sent - sink.received).values())
    return {"mails_sent": sum(sent.values()), "mails_undelivered": undelivered,
            "lost": lost_registrations + undelivered + missing_mail,
            "lost_registrations": lost_registrations, "mails_missing_at_smtp": missing_mail}
