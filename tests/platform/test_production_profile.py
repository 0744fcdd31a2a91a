"""The production profile as `make prod` starts it: PostgreSQL, Redis, gunicorn with two
workers serving wsgi.py (LEERHUIS_ENV=production) and the Huey worker as its own process.

Checked over real HTTP on loopback: a registration, its confirmation mail delivered by the
worker through the Redis queue to an SMTP sink, rate limit counters shared by the workers
(and surviving their replacement), and sessions and CSRF tokens that work whichever worker
answers — no state in process memory that matters between requests. Skipped only when
redis-server is missing and cannot be installed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
from conftest import ROOT, _worker

DEMO_PASSWORD = "leerhuis-demo"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser(requests.Session):
    """A browser behind the TLS proxy production runs behind: the app marks its cookies
    Secure, and on loopback HTTP they must still be sent back."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base
        # A new TCP connection per request, so that gunicorn spreads them over its workers.
        self.headers["Connection"] = "close"

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response

    def page(self, path: str) -> requests.Response:
        return self.get(self.base + path, timeout=30)

    def form(self, path: str, data: dict, *, token_from: str | None = None) -> requests.Response:
        token = CSRF.search(self.page(token_from or path).text).group(1)
        return self.post(self.base + path, data={"csrf_token": token, **data},
                         allow_redirects=False, timeout=30)

    # Login POSTs sent to this server so far: they all count against the one login limit.
    logins_sent = 0

    def login(self, email: str, password: str = DEMO_PASSWORD) -> requests.Response:
        Browser.logins_sent += 1
        return self.form("/inloggen", {"email": email, "password": password})


def _gunicorn_master(root_pid: int) -> int:
    """The gunicorn master among the descendants of the profile's process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            parents[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)

    def descends(pid):
        while pid in parents:
            if pid == root_pid:
                return True
            pid = parents[pid][0]
        return False

    masters = [pid for pid, (ppid, cmd) in parents.items()
               if "gunicorn" in cmd and "wsgi:app" in cmd and descends(pid)
               and "gunicorn" not in parents.get(ppid, (0, ""))[1]]
    assert len(masters) == 1, masters
    return masters[0]


def _workers(master: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.add(int(entry.name))
    return found


@pytest.fixture(scope="module")
def production(smtp_server, tmp_path_factory):
    # Each test worker its own database: test workers share the throw-away cluster.
    env = {**os.environ, "PORT": "0", "WORKERS": "2", "SEED": "1",
           "MAIL_SERVER": smtp_server.host, "MAIL_PORT": str(smtp_server.port),
           "PRODUCTION_DATABASE": f"leerhuis_production_{_worker()}"}
    for name in ("LEERHUIS_HUEY", "DATABASE_URL", "REDIS_URL", "RATELIMIT_ENABLED"):
        env.pop(name, None)
    log = tmp_path_factory.mktemp("production") / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([str(ROOT / "scripts" / "run_production.sh")], cwd=ROOT,
                                   env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   start_new_session=True)
    ready: list[str] = []

    def read():
        for line in process.stdout:
            if line.startswith("LEERHUIS READY"):
                ready.append(line)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 240
    while not ready and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        if not ready:
            code = process.poll()
            if code == 75:
                pytest.skip("redis-server ontbreekt en kon niet worden geïnstalleerd")
            raise RuntimeError(f"productieprofiel startte niet ({code}): {log.read_text()}")
        _, _, base, redis_url, database_url = ready[0].split()
        yield {"base": base, "redis": redis_url, "database": database_url, "process": process}
    finally:
        # The whole group: the scripts clean up Redis, gunicorn, the worker and PostgreSQL.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        process.stdout.close()


@pytest.fixture(scope="module")
def database(production):
    engine = sa.create_engine(production["database"].replace(
        "postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


@pytest.mark.no_rollback
def test_a_registration_over_http_reaches_the_database_and_its_mail_goes_through_redis(
        production, database, smtp_server):
    smtp_server.messages.clear()
    browser = Browser(production["base"])
    assert browser.login("deelnemer@example.org").status_code == 302
    listing = browser.page("/api/v1/evenementen?regio=gooi-en-vechtstreek&limit=500").json()
    with database.connect() as conn:
        taken = set(conn.scalars(sa.text(
            "SELECT r.event_id FROM registration r JOIN user_account u ON u.id = r.user_id "
            "WHERE u.email = 'deelnemer@example.org'")))
    event = next(e for e in listing["evenementen"] if e["status"] == "gepubliceerd"
                 and e["id"] not in taken and not e["geaccrediteerd"]
                 and e["bijeenkomsten"][0]["begin"] > time.strftime("%Y-%m-%dT%H:%M"))
    # The token comes from one worker, the POST may land on the other.
    response = browser.form(f"/activiteiten/{event['id']}/aanmelden",
                            {"diet": "vegetarisch"}, token_from=f"/activiteiten/{event['id']}")
    assert response.status_code == 302
    with database.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT r.status, r.diet FROM registration r"
                " JOIN user_account u ON u.id = r.user_id "
                "WHERE u.email = 'deelnemer@example.org' AND r.event_id = :e"
            ),
            {"e": event["id"]},
        ).all()
    assert len(rows) == 1
    assert rows[0].diet == "vegetarisch"

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            event["titel"] in m.subject for m in smtp_server.to("deelnemer@example.org")):
        time.sleep(0.3)
    mails = [m for m in smtp_server.to("deelnemer@example.org") if event["titel"] in m.subject]
    assert len(mails) == 1
    with database.connect() as conn:
        statuses = set(
            conn.scalars(
                sa.text("SELECT status FROM outbox_message WHERE subject LIKE :t"),
                {"t": f"%{event['titel']}%"},
            )
        )
    assert statuses == {"verzonden"}
    # The web workers only put a task on the Redis queue; the worker process sent it.
    assert next(redis.Redis.from_url(production["redis"]).scan_iter("huey*"), None) is not None


@pytest.mark.no_rollback
def test_sessions_and_rate_limits_live_outside_the_web_workers(production):
    base = production["base"]
    master = _gunicorn_master(production["process"].pid)
    before = _workers(master)
    assert len(before) == 2

    browser = Browser(base)
    assert browser.login("organisator@example.org").status_code == 302
    # Twenty requests on twenty connections: whichever worker answers knows the session.
    for _ in range(20):
        page = browser.page("/mijn-leerhuis")
        assert page.status_code == 200
        assert "/inloggen" not in page.url

    # The login limit is 20 per 10 minutes per address, counted in Redis for all workers
    # together: 20 refusals of a wrong password, then 429 — not 20 per worker. (Each try
    # names another account: one account has a stricter limit of its own.)
    left = 20 - Browser.logins_sent
    statuses = [Browser(base).login(f"niemand{i}@example.org", "fout-wachtwoord-123").status_code
                for i in range(left + 4)]
    assert statuses == [200] * left + [429] * 4
    assert redis.Redis.from_url(production["redis"]).keys("LIMITS*")

    # Replace every web worker (gunicorn HUP): new processes, nothing kept in memory.
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _workers(master)
        if len(now) == 2 and not now & before:
            break
        time.sleep(0.2)
    assert len(_workers(master)) == 2
    assert not _workers(master) & before
    for _ in range(30):
        try:
            page = browser.page("/mijn-leerhuis")
            break
        except requests.ConnectionError:
            time.sleep(0.5)
    assert page.status_code == 200
    assert "/inloggen" not in page.url
    assert Browser(base).login("niemand@example.org", "fout-wachtwoord-123").status_code == 429
