"""programme_page: the programme (a month of events), an event page and Mijn Leerhuis under
gunicorn (4 workers) with 8 concurrent clients, beside a bare Flask hello world measured the
same way in the same run. CPU per request = CPU seconds of the gunicorn and PostgreSQL
process trees during the run / requests served.

Both servers run side by side and are measured in alternating rounds (portal, hello world,
portal, …): these machines change speed from minute to minute, and a drift would otherwise
land on one side of the ratio only."""

from __future__ import annotations

import os
from contextlib import ExitStack

from bench import infra

WORKERS = 4
CLIENTS = 8
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))  # per side, over all rounds
ROUNDS = 5


def page_kind(path: str) -> str:
    if path.startswith("/programma/"):
        return "programme"
    return "event" if path.startswith("/activiteiten/") else path.strip("/")


class Side:
    """One server under load: its pages, its browsers' cookies, the CPU it is charged."""

    def __init__(self, base: str, process, paths: list[str], roots: list[int],
                 cookies: list[str] | None) -> None:
        self.base, self.paths, self.cookies = base, paths, cookies
        self.trees = [process.pid, *roots]
        self.rounds: list[dict] = []
        self.cpu_seconds = 0.0

    def warm_up(self) -> None:
        # Imports, connection pools, template caches in every worker.
        infra.load(self.base, self.paths, clients=CLIENTS, seconds=3, cookies=self.cookies)

    def measure_round(self, seconds: float) -> None:
        before = infra.tree_cpu_seconds(self.trees)
        self.rounds.append(infra.load(self.base, self.paths, clients=CLIENTS, seconds=seconds,
                                      cookies=self.cookies, group=page_kind))
        self.cpu_seconds += infra.tree_cpu_seconds(self.trees) - before

    def result(self) -> dict:
        combined = infra.combine(self.rounds)
        combined["cpu_ms_per_request"] = (self.cpu_seconds * 1000
                                          / max(combined["requests"], 1))
        return combined


def run(context: infra.Context) -> dict:
    data = context.large()
    env = {"DATABASE_URL": data.url, "SECRET_KEY": "bench-" + "x" * 40}
    programme = f"/programma/{data.region_slug}/{data.year}?maand={data.month}"
    # The three pages in turn, so each is a third of the load (20 different event pages).
    pages = [path for event_id in data.event_ids[:20]
             for path in (programme, f"/activiteiten/{event_id}", "/mijn-leerhuis")]
    database = [context.postmaster] if context.postmaster else []
    with ExitStack() as servers:
        base, process = servers.enter_context(
            infra.gunicorn("leerhuis:create_app()", workers=WORKERS, env=env))
        cookies = [infra.login_cookie(base, email, infra.BENCH_PASSWORD)
                   for email in data.professional_emails[:CLIENTS]]
        portal = Side(base, process, pages, database, cookies)
        base, process = servers.enter_context(
            infra.gunicorn("bench.hello:app", workers=WORKERS, env={}))
        baseline = Side(base, process, ["/"], [], None)
        for side in (portal, baseline):
            side.warm_up()
        for _round in range(ROUNDS):
            for side in (portal, baseline):
                side.measure_round(SECONDS / ROUNDS)
    portal_result, baseline_result = portal.result(), baseline.result()
    return {
        "rps": round(portal_result["rps"], 1), "p95_ms": round(portal_result["p95_ms"], 1),
        "cpu_ms_per_request": round(portal_result["cpu_ms_per_request"], 2),
        "baseline_rps": round(baseline_result["rps"], 1),
        "baseline_cpu_ms_per_request": round(baseline_result["cpu_ms_per_request"], 3),
        "cpu_ratio": round(portal_result["cpu_ms_per_request"]
                           / baseline_result["cpu_ms_per_request"], 1),
        "baseline_p95_ms": round(baseline_result["p95_ms"], 1),
        "p95_ms_by_page": {page: round(value, 1)
                           for page, value in portal_result["p95_ms_by_group"].items()},
        "errors": portal_result["errors"] + baseline_result["errors"],
    }
