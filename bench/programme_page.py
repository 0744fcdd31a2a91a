"""programme_page: the programme (a month of events), an event page and Mijn Leerhuis under
gunicorn (4 workers) with 8 concurrent clients, beside a bare Flask hello world measured the
same way in the same run. CPU per request = CPU seconds of the gunicorn and PostgreSQL
process trees during the run / requests served."""

from __future__ import annotations

import os

from bench import infra

WORKERS = 4
CLIENTS = 8
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))


def page_kind(path: str) -> str:
    if path.startswith("/programma/"):
        return "programme"
    return "event" if path.startswith("/activiteiten/") else path.strip("/")


def measure(app_spec: str, paths: list[str], roots: list[int], env: dict,
            logins: list[str] | None = None) -> dict:
    with infra.gunicorn(app_spec, workers=WORKERS, env=env) as (base, process):
        cookies = ([infra.login_cookie(base, email, infra.BENCH_PASSWORD) for email in logins]
                   if logins else None)
        # Warm-up: imports, connection pools, template caches in every worker.
        infra.load(base, paths, clients=CLIENTS, seconds=3, cookies=cookies)
        trees = [process.pid, *roots]
        before = infra.tree_cpu_seconds(trees)
        result = infra.load(base, paths, clients=CLIENTS, seconds=SECONDS, cookies=cookies,
                            group=page_kind)
        result["cpu_ms_per_request"] = ((infra.tree_cpu_seconds(trees) - before) * 1000
                                        / max(result["requests"], 1))
    return result


def run(context: infra.Context) -> dict:
    data = context.large()
    env = {"DATABASE_URL": data.url, "SECRET_KEY": "bench-" + "x" * 40}
    programme = f"/programma/{data.region_slug}/{data.year}?maand={data.month}"
    # The three pages in turn, so each is a third of the load (20 different event pages).
    pages = [path for event_id in data.event_ids[:20]
             for path in (programme, f"/activiteiten/{event_id}", "/mijn-leerhuis")]
    database = [context.postmaster] if context.postmaster else []
    portal = measure("leerhuis:create_app()", pages, database, env,
                     logins=data.professional_emails[:CLIENTS])
    baseline = measure("bench.hello:app", ["/"], [], {})
    return {
        "rps": round(portal["rps"], 1), "p95_ms": round(portal["p95_ms"], 1),
        "cpu_ms_per_request": round(portal["cpu_ms_per_request"], 2),
        "baseline_rps": round(baseline["rps"], 1),
        "baseline_cpu_ms_per_request": round(baseline["cpu_ms_per_request"], 3),
        "cpu_ratio": round(portal["cpu_ms_per_request"] / baseline["cpu_ms_per_request"], 1),
        "baseline_p95_ms": round(baseline["p95_ms"], 1),
        "p95_ms_by_page": {page: round(value, 1)
                           for page, value in portal["p95_ms_by_group"].items()},
        "errors": portal["errors"] + baseline["errors"],
    }
