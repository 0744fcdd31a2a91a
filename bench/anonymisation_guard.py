"""anonymisation_guard: how well the guard finds identifying texts in the labelled corpus
(tests/data/anonymisation_corpus.jsonl: recall per category on identifying texts, precision
per kind of finding, share of ordinary texts with a finding; tuned and held-out parts, and the
blind part, tests/data/anonymisation_corpus_blind.jsonl, written without seeing the guard and
checked with the municipalities as allowed terms and no known context), beside
plain deduce + python-stdnum measured in the same run; then milliseconds per 1,000-character
case text once the guard is warm, and the cold start of a fresh worker process (Python start,
app import, deduce loaded, first text checked) beside the regular-expression checks alone and
the bare import."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from stdnum import iban
from stdnum.nl import bsn

from bench import infra

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "anonymisation_corpus.jsonl"
CONTEXT = CORPUS.with_name("anonymisation_known_context.json")
BLIND = CORPUS.with_name("anonymisation_corpus_blind.jsonl")

TEXTS = 50

_SENTENCES = [
    "Het gezin woont sinds een jaar in de regio en de jeugdige van veertien gaat niet meer naar "
    "school.",
    "Moeder vertelt dat de spanningen thuis zijn opgelopen sinds de scheiding in het voorjaar.",
    "De gezinsvoogd en de jeugdconsulent bespreken welke hulp eerst nodig is.",
    "Op 12 maart 2026 was er een overleg met school, de huisarts en de ouders samen.",
    "Vader wil graag betrokken blijven maar woont inmiddels in een andere gemeente.",
    "Het team twijfelt of een uithuisplaatsing te voorkomen is met intensieve ambulante hulp.",
    "De jongere zegt zelf dat hij zich vooral niet gehoord voelt door de volwassenen om hem heen.",
    "Een ervaringsdeskundige adviseert om eerst te luisteren en pas daarna een plan te maken.",
    "Mevrouw De Wit van het wijkteam heeft het gezin al eerder ondersteund bij schulden.",
    "We spreken af dat de regievoerder binnen twee weken terugkoppelt aan alle betrokkenen.",
]


def texts(count: int = TEXTS) -> list[str]:
    """Realistic 1,000-character case texts (a name, a date, a place here and there)."""
    out = []
    for number in range(count):
        parts, index = [], number
        while len(" ".join(parts)) < 1000:
            parts.append(_SENTENCES[index % len(_SENTENCES)])
            index += 3
        out.append(" ".join(parts)[:1000])
    return out


def corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def blind_corpus() -> list[dict]:
    """Texts written by a colleague who saw neither the guard nor the tuned corpus: the
    honest estimate of how the guard does on texts it was not tuned on."""
    return [json.loads(line) for line in BLIND.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def known_context() -> dict:
    return json.loads(CONTEXT.read_text(encoding="utf-8"))


def guard_kinds(text: str) -> set[str]:
    """The kinds the guard finds, given the portal data the corpus's texts refer to."""
    from leerhuis.services import anonymisation  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    context = known_context()
    result = anonymisation.check_text(text, context["municipalities"],
                                      known_context=context["known_context"])
    return {finding.kind for finding in result.findings}


def blind_guard_kinds(text: str) -> set[str]:
    """The kinds the guard finds in a blind text: the region's municipalities are allowed,
    and no portal data is known (the blind texts refer to none)."""
    from leerhuis.services import anonymisation  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    result = anonymisation.check_text(text, known_context()["municipalities"])
    return {finding.kind for finding in result.findings}


_NUMBER_LIKE = re.compile(r"\b[A-Za-z]{2}\d{2}(?:\s?[A-Za-z0-9]{4}){2,7}(?:\s?[A-Za-z0-9]{1,4})?\b"
                          r"|(?<![\w-])\d(?:[\s.-]?\d){8}(?![\w-])")


def baseline_kinds(text: str) -> set[str]:
    """Plain deduce + python-stdnum: deduce's annotations of any kind, and BSN or IBAN
    validity of every number-like token."""
    from leerhuis.services import anonymisation  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    deduce = anonymisation._load_deduce()
    kinds = {annotation.tag for annotation in deduce.deidentify(text).annotations}
    for m in _NUMBER_LIKE.finditer(text):
        if bsn.is_valid(re.sub(r"\D", "", m.group())):
            kinds.add("bsn")
        if iban.is_valid(m.group().upper()):
            kinds.add("iban")
    return kinds


def score(records: list[dict], detect) -> dict:
    """Recall per category of identifying texts, precision per kind of finding, share of
    ordinary texts with a finding (per kind of ordinary text too), over the records given."""
    found = [(record, detect(record["text"])) for record in records]
    identifying = [(r, kinds) for r, kinds in found if r["identifying"]]
    ordinary = [(r, kinds) for r, kinds in found if not r["identifying"]]
    per_category: dict = {}
    for record, kinds in found:
        entry = per_category.setdefault(record["category"], {"texts": 0, "flagged": 0})
        entry["texts"] += 1
        entry["flagged"] += bool(kinds)
    for category, entry in per_category.items():
        key = "recall" if any(r["category"] == category and r["identifying"] for r in records) \
            else "flagged_share"
        entry[key] = round(entry["flagged"] / entry["texts"], 3)
    kind_hits: Counter = Counter()
    kind_true: Counter = Counter()
    for record, kinds in found:
        for kind in kinds:
            kind_hits[kind] += 1
            kind_true[kind] += record["identifying"]
    return {
        "identifying": len(identifying), "ordinary": len(ordinary),
        "recall": round(sum(bool(k) for _, k in identifying) / max(len(identifying), 1), 4),
        "ordinary_flagged": round(sum(bool(k) for _, k in ordinary) / max(len(ordinary), 1), 4),
        "missed": [r["text"] for r, k in identifying if not k],
        "false_alarms": [r["text"] for r, k in ordinary if k],
        "per_category": per_category,
        "precision_per_kind": {kind: round(kind_true[kind] / kind_hits[kind], 3)
                               for kind in sorted(kind_hits)},
    }


def _quality() -> None:
    """In a fresh process: guard and baseline over the corpus, each part, and over the blind
    corpus (printed as JSON)."""
    from leerhuis.services import anonymisation  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    anonymisation._load_deduce()
    records = corpus()
    out = {}
    for part in ("tune", "heldout", "all"):
        chosen = [r for r in records if part in ("all", r["part"])]
        out[part] = {"guard": score(chosen, guard_kinds), "baseline": score(chosen, baseline_kinds)}
    blind = blind_corpus()
    out["blind"] = {"guard": score(blind, blind_guard_kinds),
                    "baseline": score(blind, baseline_kinds)}
    print(json.dumps(out))


def _warm() -> None:
    """In a fresh process: load the guard, then time it on TEXTS texts (printed as JSON)."""
    from leerhuis.services import anonymisation  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    anonymisation._load_deduce()
    sample = texts()
    for text in sample[:5]:
        anonymisation.check_text(text)
    started = time.perf_counter()
    for text in sample:
        anonymisation.check_text(text)
    full = (time.perf_counter() - started) / len(sample) * 1000
    # The baseline: the same texts through the regular expressions and checksums alone
    # (this process ends right after, so switching deduce off here changes nothing else).
    anonymisation._deduce_findings = lambda text: []
    started = time.perf_counter()
    for text in sample:
        anonymisation.check_text(text)
    regex = (time.perf_counter() - started) / len(sample) * 1000
    print(json.dumps({"ms_per_text": full, "regex_only_ms": regex}))


_COLD = ("from leerhuis import create_app; create_app(); "
         "from leerhuis.services import anonymisation; "
         "anonymisation.check_text({text!r})")
_IMPORT = "from leerhuis import create_app; create_app()"


def _wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=infra.ROOT, check=True,
                   env={**infra.os.environ, "LEERHUIS_HUEY": "memory"})
    return time.perf_counter() - started


def run(context: infra.Context) -> dict:
    warm = json.loads(subprocess.run(
        [sys.executable, "-c", "from bench.anonymisation_guard import _warm; _warm()"],
        cwd=infra.ROOT, check=True, capture_output=True, text=True,
        env={**infra.os.environ, "LEERHUIS_HUEY": "memory"}).stdout)
    quality = json.loads(subprocess.run(
        [sys.executable, "-c", "from bench.anonymisation_guard import _quality; _quality()"],
        cwd=infra.ROOT, check=True, capture_output=True, text=True,
        env={**infra.os.environ, "LEERHUIS_HUEY": "memory"}).stdout)
    sample = texts(1)[0]
    cold = min(_wall(_COLD.format(text=sample)) for _ in range(3))
    bare = min(_wall(_IMPORT) for _ in range(3))
    return {"ms_per_text": round(warm["ms_per_text"], 2), "cold_start_s": round(cold, 2),
            "regex_only_ms": round(warm["regex_only_ms"], 3), "import_s": round(bare, 2),
            "quality": quality}
