"""The goals of issue 8 and the results table: each measure beside its baseline (measured in
the same run) and its goal, with whether the goal was met."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    measure: str
    value: Callable[[dict], object]
    baseline: Callable[[dict], object] = lambda r: ""
    goal: str = ""
    met: Callable[[dict], bool] | None = None


def _race_row(index: int) -> list[Row]:
    def pick(key):
        return lambda runs: runs[index][key] if index < len(runs) else "–"

    def exact(runs):
        if index >= len(runs):
            return False
        run = runs[index]
        return (run["confirmed"], run["waitlisted"], run["errors"]) == (
            run["seats"], run["attempts"] - run["seats"], 0)

    def label(runs):
        return runs[index]["workers"] if index < len(runs) else "?"

    return [Row("confirmed / waitlisted / errors",
                lambda runs: (f"{pick('confirmed')(runs)} / {pick('waitlisted')(runs)} / "
                              f"{pick('errors')(runs)} ({label(runs)} workers)"),
                lambda runs: (f"{pick('seats')(runs)} seats, {pick('attempts')(runs)} "
                              f"logged-in users at once"),
                "exactly 50 / 150 / 0", exact)]


def _peak_rows(index: int) -> list[Row]:
    """One database's figures of sqlite_concurrency: no 5xx and no lost write at 50 users."""

    def pick(key):
        return lambda runs: runs[index][key] if index < len(runs) else "–"

    def database(runs):
        return runs[index]["database"] if index < len(runs) else "?"

    def clean(runs):
        return index < len(runs) and runs[index]["errors_5xx"] == 0 and (
            runs[index]["lost_writes"] == 0)

    return [
        Row("5xx answers / lost writes",
            lambda runs: (f"{pick('errors_5xx')(runs)} / {pick('lost_writes')(runs)} "
                          f"({database(runs)})"),
            lambda runs: (f"{pick('requests')(runs)} requests of {pick('users')(runs)} users "
                          f"at once, worker sending mail and issuing certificates"),
            "0 / 0", clean),
        Row("p95 latency (ms)", lambda runs: f"{pick('p95_ms')(runs)} ({database(runs)})",
            lambda runs: f"slowest {pick('max_ms')(runs)} ms"),
    ]


def _guard_rows(part: str) -> list[Row]:
    """The guard on the labelled corpus beside plain deduce + python-stdnum (same run)."""

    def pick(who, key):
        return lambda r: r["quality"][part][who][key]

    def percent(who, key):
        return lambda r: f"{pick(who, key)(r) * 100:.1f} %"

    def categories(r):
        per = r["quality"][part]["guard"]["per_category"]
        base = r["quality"][part]["baseline"]["per_category"]
        return "; ".join(f"{c} {v['recall'] * 100:.0f}/{base[c]['recall'] * 100:.0f}"
                         for c, v in per.items() if "recall" in v)

    return [
        Row(f"recall on identifying texts ({part})", percent("guard", "recall"),
            lambda r: f"deduce + stdnum {percent('baseline', 'recall')(r)}",
            "≥ 99 % and above baseline",
            lambda r: pick("guard", "recall")(r) >= 0.99
            and pick("guard", "recall")(r) > pick("baseline", "recall")(r)),
        Row(f"ordinary texts with a finding ({part})", percent("guard", "ordinary_flagged"),
            lambda r: f"deduce + stdnum {percent('baseline', 'ordinary_flagged')(r)}",
            "≤ 2 % and below baseline",
            lambda r: pick("guard", "ordinary_flagged")(r) <= 0.02
            and pick("guard", "ordinary_flagged")(r) < pick("baseline", "ordinary_flagged")(r)),
        Row(f"recall per category, guard/baseline % ({part})", categories),
    ]


GOALS: dict[str, list[Row]] = {
    "programme_page": [
        Row("server CPU per request (ms)", lambda r: r["cpu_ms_per_request"],
            lambda r: f"hello world {r['baseline_cpu_ms_per_request']} ms",
            "≤ 10 × hello world", lambda r: r["cpu_ratio"] <= 10),
        Row("CPU ratio", lambda r: f"{r['cpu_ratio']} ×", lambda r: "1 ×", "≤ 10 ×",
            lambda r: r["cpu_ratio"] <= 10),
        Row("p95 latency (ms)", lambda r: r["p95_ms"],
            lambda r: f"hello world {r.get('baseline_p95_ms', '–')} ms", "≤ 50 ms",
            lambda r: r["p95_ms"] <= 50),
        Row("requests/s", lambda r: r["rps"], lambda r: f"hello world {r['baseline_rps']}"),
    ],
    "certificates_bulk": [
        Row("run of 200 certificates (s wall)", lambda r: r["seconds"],
            lambda r: (f"naive one by one {r['naive_seconds']} s "
                       f"({r['naive_ms_per_certificate']} ms each); median of "
                       f"{', '.join(map(str, r['runs_seconds']))}"),
            "≤ 10 s on 2 cores", lambda r: r["seconds"] <= 10),
        Row("ms per certificate", lambda r: r["ms_per_certificate"],
            lambda r: f"naive {r['naive_ms_per_certificate']} ms"),
        Row("CPU of the run, all processes (s)", lambda r: r["cpu_seconds"],
            lambda r: f"on {r['cores']} cores", "", None),
    ],
    "calendar_feed": [
        Row("personal feed (ms)", lambda r: r["ms"],
            lambda r: f"{r['events']} registrations; hello world {r.get('baseline_ms', '–')} ms",
            "≤ 50 ms", lambda r: r["ms"] <= 50),
    ],
    "attendance_export": [
        Row("CSV (s)", lambda r: r["csv_seconds"],
            lambda r: f"raw dump {r['baseline_seconds']} s of {r['rows']} rows",
            "≤ 3 × raw dump", lambda r: r["ratio"] <= 3),
        Row("CSV ratio", lambda r: f"{r['ratio']} ×", lambda r: "1 ×", "≤ 3 ×",
            lambda r: r["ratio"] <= 3),
        Row("XLSX (s)", lambda r: r["xlsx_seconds"],
            lambda r: f"raw dump {r['baseline_seconds']} s"),
        Row("peak RSS (MB)", lambda r: r["peak_rss_mb"],
            lambda r: f"idle worker {r.get('idle_rss_mb', '–')} MB", "≤ 150 MB",
            lambda r: r["peak_rss_mb"] <= 150),
    ],
    "registration_race": [*_race_row(0), *_race_row(1)],
    "sqlite_concurrency": [*_peak_rows(0), *_peak_rows(1)],
    "anonymisation_guard": [
        *_guard_rows("all"), *_guard_rows("heldout"),
        Row("ms per 1,000-character text (warm)", lambda r: r["ms_per_text"],
            lambda r: f"regex checks alone {r.get('regex_only_ms', '–')} ms"),
        Row("cold start of a fresh worker (s)", lambda r: r["cold_start_s"],
            lambda r: f"Python + app import {r.get('import_s', '–')} s"),
    ],
}


def _rows(scenario: str, values) -> list[tuple]:
    rows = GOALS.get(scenario)
    if rows is None:  # a scenario without goals: its figures as they are
        items = values if isinstance(values, list) else [values]
        return [(key, value, "", "", None) for item in items for key, value in item.items()
                if not isinstance(value, dict | list)]
    out = []
    for row in rows:
        try:
            out.append((row.measure, row.value(values), row.baseline(values), row.goal,
                        row.met(values) if row.met else None))
        except (KeyError, IndexError, TypeError):
            out.append((row.measure, "–", "", row.goal, False if row.met else None))
    return out


def render_table(results: dict) -> str:
    lines = ["| scenario | measure | value | baseline (same run) | goal | met |",
             "|---|---|---|---|---|---|"]
    for scenario, values in results.items():
        for measure, value, baseline, goal, met in _rows(scenario, values):
            mark = "" if met is None else ("met" if met else "**not met**")
            lines.append(f"| {scenario} | {measure} | {value} | {baseline} | {goal} | {mark} |")
    return "\n".join(lines) + "\n"


def all_met(results: dict) -> bool:
    return all(met is not False for scenario, values in results.items()
               for *_, met in _rows(scenario, values))
