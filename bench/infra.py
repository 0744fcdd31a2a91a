"""Shared pieces of the benchmarks: a throw-away PostgreSQL cluster, a gunicorn server,
CPU accounting from /proc, and a keep-alive HTTP load generator."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import sqlalchemy as sa

from leerhuis import create_app

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Every simulated browser sends the same User-Agent when it logs in and when it browses, as a
# real one does: Flask-Login's session protection ties a session to address and agent.
USER_AGENT = "Mozilla/5.0 (leerhuis-bench)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres_cluster():
    """A fresh cluster on a free port, or BENCH_DATABASE_SERVER (a server URL) if given."""
    given = os.environ.get("BENCH_DATABASE_SERVER")
    if given:
        yield given, None
        return
    directory = Path(tempfile.mkdtemp(prefix="leerhuis-bench-pg-"))
    port = free_port()
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data = directory / "data"
    subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "postgres"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l",
                    str(directory / "log"), "-o",
                    (f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                     f"-c synchronous_commit=off -c full_page_writes=off "
                     f"-c max_connections=300 -c shared_buffers=256MB"), "start"],
                   check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", data
    finally:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    engine = sa.create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def sqlalchemy_url(url: str) -> str:
    """The psycopg 3 driver for a postgresql:// URL (the app does this for DATABASE_URL)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def psycopg_connect(url: str, **kwargs):
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), **kwargs)


def drop_connections(server_url: str, name: str) -> None:
    engine = sa.create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    engine.dispose()


@dataclass
class LargeData:
    """The seeded region-sized database and the facts the scenarios need from it."""

    url: str
    region_id: int
    region_slug: str
    year: int
    month: int
    event_ids: list[int]  # events of the region whose sessions fall in ``month`` of ``year``
    professional_emails: list[str]  # professionals of the region (password BENCH_PASSWORD)
    admin_email: str  # the region's regio-beheerder
    summary: str


BENCH_PASSWORD = "leerhuis-bench"  # seed-large gives every professional this password
LARGE = "leerhuis_bench_large"


@dataclass
class Context:
    """What a scenario gets: a PostgreSQL server, and the region-sized data set seeded on
    first use (once per `python -m bench` run)."""

    server_url: str
    postmaster: int | None = None  # pid of the local PostgreSQL server, for CPU accounting
    _large: LargeData | None = field(default=None, repr=False)

    def empty_database(self, name: str) -> str:
        return create_database(self.server_url, name)

    def migrated_database(self, name: str) -> str:
        url = self.empty_database(name)
        flask_command(url, "db", "upgrade")
        return url

    def large(self) -> LargeData:
        if self._large is None:
            self._large = _seed_large(self)
        return self._large

    def drop_database(self, name: str) -> None:
        drop_connections(self.server_url, name)
        engine = sa.create_engine(sqlalchemy_url(self.server_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()

    def copy_of_large(self, name: str) -> str:
        """A private copy of the seeded database, for a scenario that changes data."""
        self.large()
        drop_connections(self.server_url, LARGE)
        engine = sa.create_engine(self.server_url.replace("postgresql://",
                                                          "postgresql+psycopg://"),
                                  isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{LARGE}"'))
        engine.dispose()
        return self.server_url.rsplit("/", 1)[0] + f"/{name}"


def app_for(database_url: str):
    """The portal app on ``database_url``, for a scenario that prepares data in-process."""
    os.environ.setdefault("LEERHUIS_HUEY", "memory")

    tmp = Path(tempfile.mkdtemp(prefix="leerhuis-bench-app-"))
    return create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url),
                       "SECRET_KEY": "bench-" + "x" * 40, "MAIL_FILE_DIR": str(tmp / "mail"),
                       "CERTIFICATE_DIR": str(tmp / "certificates")})


def timed_get(base: str, path: str, *, cookie: str | None = None) -> tuple[float, int, int]:
    """One GET on a fresh connection: (seconds until the whole body is read, status, bytes)."""
    parsed = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
    started = time.perf_counter()
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    size = 0
    while chunk := response.read(1 << 16):
        size += len(chunk)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, response.status, size


def _seed_large(context: Context) -> LargeData:
    url = context.migrated_database(LARGE)
    started = time.monotonic()
    summary = flask_command(url, "seed-large")
    print(f"   seed-large: {time.monotonic() - started:.0f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return large_data(url, summary)


def large_data(url: str, summary: str = "") -> LargeData:
    with psycopg.connect(url, autocommit=True) as conn:
        region_id, slug = conn.execute(
            "SELECT id, slug FROM region ORDER BY id LIMIT 1").fetchone()
        year = conn.execute("SELECT max(programme_year) FROM event").fetchone()[0]
        month = 3
        event_ids = [row[0] for row in conn.execute(
            "SELECT DISTINCT e.id FROM event e JOIN event_session s ON s.event_id = e.id "
            "WHERE e.region_id = %s AND e.programme_year = %s "
            "AND extract(month FROM s.starts_at AT TIME ZONE 'Europe/Amsterdam') = %s "
            "ORDER BY e.id", (region_id, year, month))]
        emails = [row[0] for row in conn.execute(
            "SELECT email FROM user_account WHERE region_id = %s AND NOT is_region_admin "
            "ORDER BY id", (region_id,))]
        admin = conn.execute("SELECT email FROM user_account WHERE region_id = %s "
                             "AND is_region_admin ORDER BY id LIMIT 1", (region_id,)).fetchone()[0]
    return LargeData(url=url, region_id=region_id, region_slug=slug, year=year, month=month,
                     event_ids=event_ids, professional_emails=emails, admin_email=admin,
                     summary=summary)


def flask_command(database_url: str, *args: str, check: bool = True) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "LEERHUIS_HUEY": "memory"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "leerhuis", *args],
                            cwd=ROOT, env=env, check=check, capture_output=True, text=True)
    return result.stdout


def _config_for(app_spec: str, production: bool) -> list[str]:
    """The portal runs with its production settings (gunicorn.conf.py); the baseline bare."""
    if app_spec.startswith("bench.hello") or not production:
        return ["-c", str(Path(__file__).with_name("gunicorn_bare.py"))]
    return ["-c", str(ROOT / "gunicorn.conf.py")]


@contextmanager
def gunicorn(app_spec: str, *, workers: int, env: dict | None = None,
             production_config: bool = True):
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    full_env = {**os.environ, "LEERHUIS_HUEY": "memory", "RATELIMIT_ENABLED": "false",
                **(env or {})}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *_config_for(app_spec, production_config),
             "-w", str(workers),
             "-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning",
             "--keep-alive", "30", app_spec],
            cwd=ROOT, env=full_env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    return children


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU seconds (user + system) of the process trees under ``roots``, read from /proc.

    The tree is walked afresh on every call and reaped children count through their
    parent's cutime/cstime, so processes that start or end during a measurement (database
    backends, restarted workers) are neither lost nor counted twice."""
    children = _children()
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        todo.extend(children.get(pid, []))
    return total / CLOCK_TICKS


def postmaster_pid(database_url: str) -> int | None:
    """The PostgreSQL postmaster's pid when the server runs on this machine (its backends
    are its children), else None."""
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for {pid}")


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a process's resident memory (VmHWM), in MB."""
    return _status_mb(pid, "VmHWM")


def reset_peak_rss(pid: int) -> float:
    """Restart the high-water mark at the present resident memory (Linux: clear_refs 5),
    so a later peak belongs to what happened since; returns that resident memory in MB."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return _status_mb(pid, "VmRSS")


def worker_pids(process: subprocess.Popen) -> list[int]:
    return sorted(_children().get(process.pid, []))


def load(base: str, paths: list[str], *, clients: int, seconds: float,
         cookies: list[str] | None = None, group=lambda path: path) -> dict:
    """Hammer ``paths`` round-robin from ``clients`` keep-alive connections for ``seconds``;
    p95 overall and per ``group(path)``."""
    parsed = urllib.parse.urlsplit(base)
    latencies: list[float] = []
    by_path: dict[str, list[float]] = {}
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        # Each client is one browser: it keeps the cookies the server sets (a session that
        # gained a CSRF token is sent back with it), so it is measured as people use it.
        jar = BrowserCookies(cookies[number % len(cookies)] if cookies else "")
        mine, index = [], number
        mine_by_path: dict[str, list[float]] = {}
        while time.monotonic() < stop:
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=jar.headers())
                response = connection.getresponse()
                response.read()
                jar.update(response.headers.get_all("Set-Cookie") or [])
                if response.status != 200:
                    with lock:
                        errors[0] += 1
            except OSError:
                with lock:
                    errors[0] += 1
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            mine_by_path.setdefault(group(path), []).append(mine[-1])
        with lock:
            latencies.extend(mine)
            for path, values in mine_by_path.items():
                by_path.setdefault(path, []).extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return summary(latencies, by_path, errors[0], elapsed)


def summary(latencies: list[float], by_group: dict[str, list[float]], errors: int,
            seconds: float) -> dict:
    """Requests, rate and p95 (overall and per group) of measured latencies in seconds; the
    samples stay in the result so several rounds can be summed (``combine``)."""
    return {"requests": len(latencies), "errors": errors, "seconds": seconds,
            "rps": len(latencies) / seconds if seconds else 0.0,
            "p95_ms": percentile(latencies, 95) * 1000,
            "p95_ms_by_group": {group: percentile(values, 95) * 1000
                                for group, values in by_group.items()},
            "samples": latencies, "samples_by_group": by_group}


def combine(rounds: list[dict]) -> dict:
    """One result for several measuring rounds of the same load."""
    by_group: dict[str, list[float]] = {}
    for result in rounds:
        for group, values in result["samples_by_group"].items():
            by_group.setdefault(group, []).extend(values)
    return summary([value for result in rounds for value in result["samples"]], by_group,
                   sum(result["errors"] for result in rounds),
                   sum(result["seconds"] for result in rounds))


class BrowserCookies:
    """The cookies of one simulated browser on one site: sent with every request, replaced
    or removed by the Set-Cookie headers of each response."""

    def __init__(self, header: str = ""):
        self.values: dict[str, str] = {}
        for part in filter(None, (piece.strip() for piece in header.split(";"))):
            name, _, value = part.partition("=")
            self.values[name] = value

    def update(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.values.pop(name, None)
                else:
                    self.values[name] = morsel.value

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.values:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.values.items())
        return headers


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * pct / 100 + 0.5) - 1)]


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A person with a browser: a cookie jar, following redirects like a browser does."""

    def __init__(self, base: str, timeout: float = 300):
        self.base, self.timeout, self.jar = base, timeout, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=self.timeout) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        """(status, page); status 0 when the server could not be reached."""
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:
            return 0, str(error)

    def token(self, path: str) -> str:
        return _CSRF.search(self.get(path)).group(1)

    def log_in(self, email: str, password: str) -> int:
        status, _page = self.post("/inloggen", {"csrf_token": self.token("/inloggen"),
                                                "email": email, "password": password})
        return status


def login_cookie(base: str, email: str, password: str) -> str:
    """Log in over HTTP like a browser and return the session cookie header value."""
    browser = Browser(base)
    browser.log_in(email, password)
    return "; ".join(f"{c.name}={c.value}" for c in browser.jar)
