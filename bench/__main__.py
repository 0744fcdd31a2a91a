"""`python -m bench [scenario ...]`: run benchmark scenarios on PostgreSQL, write
bench/results.json and bench/results.md. Speed is measured here, never in the test suite.

A scenario is a module with ``run(context: bench.infra.Context) -> dict`` (or a list of
dicts); register it in SCENARIOS with one line. Its goals, if any, go in bench/goals.py."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench import (
    anonymisation_guard,
    attendance_export,
    calendar_feed,
    certificates_bulk,
    goals,
    infra,
    load_test,
    programme_page,
    registration_race,
    sqlite_concurrency,
)

RESULTS = Path(__file__).parent / "results.json"
TABLE = Path(__file__).parent / "results.md"

SCENARIOS = {
    "programme_page": programme_page.run,
    "certificates_bulk": certificates_bulk.run,
    "calendar_feed": calendar_feed.run,
    "attendance_export": attendance_export.run,
    "registration_race": registration_race.run,
    "sqlite_concurrency": sqlite_concurrency.run,
    "anonymisation_guard": anonymisation_guard.run,
    "load_test": load_test.run,
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SCENARIOS)
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        print(f"onbekend scenario: {', '.join(unknown)}; kies uit {', '.join(SCENARIOS)}")
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    with infra.postgres_cluster() as (server_url, _data):
        context = infra.Context(server_url, infra.postmaster_pid(server_url))
        for name in chosen:
            print(f"== {name}", flush=True)
            started = time.monotonic()
            results[name] = SCENARIOS[name](context)
            print(json.dumps(results[name], indent=2), flush=True)
            print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
            # Written after every scenario, so a failure later keeps what was measured.
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    TABLE.write_text(goals.render_table(results))
    print(TABLE.read_text())
    return 0 if goals.all_met(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
