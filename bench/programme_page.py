"""programme_page: the programme (a month of events), an event page and Mijn Leerhuis under
gunicorn (4 workers) with 8 concurrent clients, beside a bare Flask hello world measured the
same way in the same run. CPU per request = CPU seconds of gunicorn and PostgreSQL processes
during the run / requests served."""

from __future__ import annotations

import os

from bench import infra

WORKERS = 4
CLIENTS = 8
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))


def measure(app_spec: str, paths: list[str], pg_data, env: dict, cookies=None) -> dict:
    with infra.gunicorn(app_spec, workers=WORKERS, env=env) as (base, process):
        if cookies == "login":
            cookies = [infra.login_cookie(base, f"prof{i:05d}@bench.example.org", "leerhuis-bench")
                       for i in range(CLIENTS)]
        # Warm-up: imports, connection pools, caches in every worker.
        infra.load(base, paths, clients=CLIENTS, seconds=2, cookies=cookies)
        pids = infra.server_pids(process, pg_data)
        before = infra.cpu_seconds(pids)
        result = infra.load(base, paths, clients=CLIENTS, seconds=SECONDS, cookies=cookies)
        result["cpu_ms_per_request"] = ((infra.cpu_seconds(pids) - before) * 1000
                                        / max(result["requests"], 1))
    return result


def run(database_url: str, pg_data, event_ids: list[int], region_slug: str, year: int) -> dict:
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-" + "x" * 40}
    pages = [f"/programma/{region_slug}/{year}?maand=3",
             *[f"/activiteiten/{event_id}" for event_id in event_ids[:20]],
             "/mijn-leerhuis"]
    portal = measure("leerhuis:create_app()", pages, pg_data, env, cookies="login")
    baseline = measure("bench.hello:app", ["/"], None, {})
    return {
        "rps": round(portal["rps"], 1), "p95_ms": round(portal["p95_ms"], 1),
        "cpu_ms_per_request": round(portal["cpu_ms_per_request"], 2),
        "baseline_rps": round(baseline["rps"], 1),
        "baseline_cpu_ms_per_request": round(baseline["cpu_ms_per_request"], 3),
        "cpu_ratio": round(portal["cpu_ms_per_request"] / baseline["cpu_ms_per_request"], 1),
        "errors": portal["errors"] + baseline["errors"],
    }
