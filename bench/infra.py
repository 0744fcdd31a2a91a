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
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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
                    f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                    f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
                    f"-c shared_buffers=256MB", "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", data
    finally:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def flask_command(database_url: str, *args: str, check: bool = True) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "LEERHUIS_HUEY": "memory"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "leerhuis", *args],
                            cwd=ROOT, env=env, check=check, capture_output=True, text=True)
    return result.stdout


@contextmanager
def gunicorn(app_spec: str, *, workers: int, env: dict | None = None):
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    full_env = {**os.environ, "LEERHUIS_HUEY": "memory", "RATELIMIT_ENABLED": "false",
                **(env or {})}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--timeout", "120", "--log-level", "warning", "--keep-alive", "30", app_spec],
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
                raise RuntimeError(log.read_text())
            time.sleep(0.2)
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _descendants(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid:
                children.append(int(entry.name))
    result = list(children)
    for child in children:
        result.extend(_descendants(child))
    return result


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


def server_pids(process: subprocess.Popen, pg_data: Path | None) -> list[int]:
    """The gunicorn master with its workers, plus the PostgreSQL processes (the postmaster
    and its backends) when the cluster is ours."""
    pids = [process.pid, *_descendants(process.pid)]
    if pg_data is not None:
        pid_file = pg_data / "postmaster.pid"
        if pid_file.exists():
            postmaster = int(pid_file.read_text().split()[0])
            pids += [postmaster, *_descendants(postmaster)]
    return pids


def load(base: str, paths: list[str], *, clients: int, seconds: float,
         cookies: list[str] | None = None) -> dict:
    """Hammer ``paths`` round-robin from ``clients`` keep-alive connections for ``seconds``."""
    parsed = urllib.parse.urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        headers = {"Cookie": cookies[number % len(cookies)]} if cookies else {}
        mine, index = [], number
        while time.monotonic() < stop:
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    with lock:
                        errors[0] += 1
            except OSError:
                with lock:
                    errors[0] += 1
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    return {"requests": len(latencies), "errors": errors[0], "seconds": elapsed,
            "rps": len(latencies) / elapsed if elapsed else 0.0, "p95_ms": p95 * 1000}


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login_cookie(base: str, email: str, password: str) -> str:
    """Log in over HTTP like a browser and return the session cookie header value."""
    import urllib.request
    from http.cookiejar import CookieJar

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/inloggen").read().decode()
    token = _CSRF.search(page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": email,
                                   "password": password}).encode()
    opener.open(base + "/inloggen", data=body).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)
