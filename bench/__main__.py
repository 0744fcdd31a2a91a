"""`python -m bench [scenario ...]`: run benchmark scenarios, write bench/results.json and
bench/results.md. Speed is measured here, never in the test suite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import certificates_bulk

RESULTS = Path(__file__).parent / "results.json"
TABLE = Path(__file__).parent / "results.md"

SCENARIOS = {
    "certificates_bulk": certificates_bulk.run,
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SCENARIOS)
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        print(f"onbekend scenario: {', '.join(unknown)}; kies uit {', '.join(SCENARIOS)}")
        return 2
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in chosen:
        print(f"== {name}", flush=True)
        results[name] = SCENARIOS[name]()
        print(json.dumps(results[name], indent=2), flush=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    TABLE.write_text(render_table(results))
    print(TABLE.read_text())
    return 0


def render_table(results: dict) -> str:
    lines = ["| scenario | measure | value |", "|---|---|---|"]
    for scenario, values in results.items():
        items = values if isinstance(values, list) else [values]
        for index, item in enumerate(items):
            label = scenario if len(items) == 1 else f"{scenario}[{index}]"
            for key, value in item.items():
                lines.append(f"| {label} | {key} | {value} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
