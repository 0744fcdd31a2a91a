"""anonymisation_guard: milliseconds per 1,000-character case text once the guard is warm,
and the cold start of a fresh worker process (Python start, app import, deduce loaded,
first text checked); beside them the regular-expression checks alone and the bare import."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bench import infra

TEXTS = 50

_SENTENCES = [
    "Het gezin woont sinds een jaar in de regio en de jeugdige van veertien gaat niet meer naar school.",
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


def _warm() -> None:
    """In a fresh process: load the guard, then time it on TEXTS texts (printed as JSON)."""
    from leerhuis.services import anonymisation

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
    sample = texts(1)[0]
    cold = min(_wall(_COLD.format(text=sample)) for _ in range(3))
    bare = min(_wall(_IMPORT) for _ in range(3))
    return {"ms_per_text": round(warm["ms_per_text"], 2), "cold_start_s": round(cold, 2),
            "regex_only_ms": round(warm["regex_only_ms"], 3), "import_s": round(bare, 2)}
