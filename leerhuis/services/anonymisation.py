"""The anonymisation guard: checks free text that may touch client information.

Rule (domain brief §6): client data may never be stored. Before a case text, lesson or
evaluation is saved, it is checked for
- identifiers that block saving: BSN (11-proef), e-mail address, phone number, IBAN,
  postcode with house number;
- names, dates and places, found by deduce (Dutch de-identification), which need the
  author's explicit confirmation and are flagged for the Region's review.
The checks reduce risk; they do not guarantee anonymity.

deduce takes seconds to load: one shared instance per process, loaded by ``warm_up()`` in
a background thread at worker start, never on the request path unless it is still loading.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

BLOCKING = "block"
CONFIRM = "confirm"

KIND_LABELS = {
    "bsn": _l("BSN"),
    "email": _l("e-mailadres"),
    "phone": _l("telefoonnummer"),
    "iban": _l("IBAN"),
    "postcode_address": _l("postcode met huisnummer"),
    "name": _l("naam"),
    "date": _l("datum"),
    "place": _l("plaats of adres"),
    "age": _l("leeftijd"),
    "institution": _l("instelling"),
}
PLACEHOLDERS = {
    "bsn": "[BSN]", "email": "[E-MAIL]", "phone": "[TELEFOON]", "iban": "[IBAN]",
    "postcode_address": "[ADRES]", "name": "[NAAM]", "date": "[DATUM]", "place": "[PLAATS]",
    "age": "[LEEFTIJD]", "institution": "[INSTELLING]",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int
    severity: str  # BLOCKING or CONFIRM

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class GuardResult:
    text: str
    findings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

    @property
    def to_confirm(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == CONFIRM]

    @property
    def is_clean(self) -> bool:
        return not self.findings

    def suggestion(self) -> str:
        """The text with every finding replaced by a placeholder."""
        out, pos = [], 0
        for finding in self.findings:
            if finding.start < pos:
                continue
            out.append(self.text[pos:finding.start])
            out.append(PLACEHOLDERS.get(finding.kind, "[…]"))
            pos = finding.end
        out.append(self.text[pos:])
        return "".join(out)

    def segments(self) -> list[tuple[str, Finding | None]]:
        """The text cut into plain parts and findings, for highlighting in a template."""
        parts, pos = [], 0
        for finding in self.findings:
            if finding.start < pos:
                continue
            if finding.start > pos:
                parts.append((self.text[pos:finding.start], None))
            parts.append((self.text[finding.start:finding.end], finding))
            pos = finding.end
        if pos < len(self.text):
            parts.append((self.text[pos:], None))
        return parts


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch numbers: 06-12345678, 06 1234 5678, 020-1234567, +31 6 12345678, 0031…
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)31[\s-]?(?:\(0\))?[\s-]?|0)(?:[1-9](?:[\s-]?\d){8})(?!\d)")
_POSTCODE_HOUSE = re.compile(
    r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b(?:[\s,]+\d{1,5}[a-zA-Z]?\b)?"
    r"|\b[A-Z][a-zà-ÿ]+(?:straat|laan|weg|plein|kade|gracht|singel|dreef|hof|pad|steeg)"
    r"\s+\d{1,5}[a-zA-Z]?\b")
_NINE_DIGITS = re.compile(r"(?<!\d)(\d[\s.-]?){8}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[\s]?(?:[A-Z0-9]{4}[\s]?){2,7}[A-Z0-9]{1,4}\b")
_DATE = re.compile(
    r"\b(?:[0-3]?\d[-/.][01]?\d[-/.](?:19|20)?\d{2})\b"
    r"|\b[0-3]?\d\s+(?:januari|februari|maart|april|mei|juni|juli|augustus|september|"
    r"oktober|november|december|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?\s+"
    r"(?:19|20)\d{2}\b", re.IGNORECASE)

_DEDUCE_KINDS = {
    "persoon": "name", "person": "name", "patient": "name", "patiënt": "name",
    "locatie": "place", "location": "place",
    "datum": "date", "date": "date",
    "leeftijd": "age", "age": "age",
    "instelling": "institution", "ziekenhuis": "institution", "institution": "institution",
    "hospital": "institution",
}
# deduce also finds these; our own stricter checks cover them.
_DEDUCE_SKIPPED = {"telefoonnummer", "phone_number", "email", "emailadres", "email_address", "bsn", "url",
                   "id", "identifier", "patient_number", "patientnummer"}

_lock = threading.Lock()
_loaded = threading.Event()
_deduce = None


def _load_deduce():
    global _deduce
    with _lock:
        if _deduce is None:
            root = logging.getLogger()
            handlers, level = list(root.handlers), root.level
            from deduce import Deduce

            # deduce calls logging.basicConfig(stream=sys.stdout, level=DEBUG) on import:
            # every library's debug chatter on stdout, slowing each request and blocking a
            # worker whose stdout is a pipe nobody reads. Put the logging back as it was.
            for handler in root.handlers[len(handlers):]:
                root.removeHandler(handler)
            root.setLevel(level)
            # deduce unpickles ~80 MB of lookup tries: millions of small objects, each
            # allocation a chance for the cyclic GC to walk all of them again (45 s instead
            # of 3). Nothing cyclic is freed meanwhile, so the GC waits; afterwards the
            # tries are frozen out of every later collection, which would walk them too.
            gc.disable()
            try:
                _deduce = Deduce()
            finally:
                gc.enable()
            gc.freeze()
            _loaded.set()
    return _deduce


def warm_up() -> threading.Thread:
    """Start loading deduce in the background (call at worker start)."""
    thread = threading.Thread(target=_load_deduce, name="deduce-warm-up", daemon=True)
    thread.start()
    return thread


def is_ready() -> bool:
    return _loaded.is_set()


def check_text(text: str, allowed_terms: Iterable[str] = ()) -> GuardResult:
    """Find identifying data in ``text``; blocking findings decide whether it may be saved.

    ``allowed_terms`` are words that identify nobody here, such as the region's
    municipalities: a case discussion "in Huizen" is not a client's address.
    """
    text = text or ""
    allowed = {term.strip().lower() for term in allowed_terms if term.strip()}
    findings: list[Finding] = []
    findings += [Finding("email", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _EMAIL.finditer(text)]
    findings += [Finding("iban", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _IBAN.finditer(text) if stdnum_iban.is_valid(m.group())]
    findings += [Finding("bsn", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _NINE_DIGITS.finditer(text)
                 if stdnum_bsn.is_valid(re.sub(r"\D", "", m.group()))]
    findings += [Finding("phone", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _PHONE.finditer(text)]
    findings += [Finding("postcode_address", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _POSTCODE_HOUSE.finditer(text) if _has_house_number(m.group())]
    findings += [Finding("date", m.group(), m.start(), m.end(), CONFIRM)
                 for m in _DATE.finditer(text)]
    if text.strip():
        findings += [f for f in _deduce_findings(text)
                     if not (f.severity == CONFIRM and f.text.strip().lower() in allowed)]
    return GuardResult(text, _without_overlaps(findings))


def _has_house_number(match: str) -> bool:
    return bool(re.search(r"\d{4}\s?[A-Z]{2}[\s,]+\d", match)) or not re.match(r"\d{4}", match)


def _deduce_findings(text: str) -> list[Finding]:
    deduce = _deduce if _loaded.is_set() else _load_deduce()
    document = deduce.deidentify(text)
    found = []
    for annotation in document.annotations:
        tag = annotation.tag.lower()
        base = tag.split("_")[0] if tag not in _DEDUCE_KINDS else tag
        if tag in _DEDUCE_SKIPPED or base in _DEDUCE_SKIPPED:
            continue
        kind = _DEDUCE_KINDS.get(tag) or _DEDUCE_KINDS.get(base)
        if kind is None:
            continue
        found.append(Finding(kind, annotation.text, annotation.start_char, annotation.end_char,
                             CONFIRM))
    return found


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Sorted by position; where findings overlap the blocking (then the longer) one wins."""
    ordered = sorted(findings, key=lambda f: (f.start, f.severity != BLOCKING, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in ordered:
        if kept and finding.start < kept[-1].end:
            if finding.severity == BLOCKING and kept[-1].severity != BLOCKING:
                kept[-1] = finding
            continue
        kept.append(finding)
    return kept


def check_identifiers(text: str, *, allow_contact: bool = False) -> GuardResult:
    """Only the identifiers that may never be stored in any free text: BSN (11-proef), IBAN
    and, unless ``allow_contact`` (a field for the organiser's own contact details), e-mail
    addresses and phone numbers. All blocking; no names or dates, so it is cheap enough for
    every field of every form (deduce is not asked)."""
    text = text or ""
    findings = [Finding("iban", m.group(), m.start(), m.end(), BLOCKING)
                for m in _IBAN.finditer(text) if stdnum_iban.is_valid(m.group())]
    findings += [Finding("bsn", m.group(), m.start(), m.end(), BLOCKING)
                 for m in _NINE_DIGITS.finditer(text)
                 if stdnum_bsn.is_valid(re.sub(r"\D", "", m.group()))]
    if not allow_contact:
        findings += [Finding("email", m.group(), m.start(), m.end(), BLOCKING)
                     for m in _EMAIL.finditer(text)]
        findings += [Finding("phone", m.group(), m.start(), m.end(), BLOCKING)
                     for m in _PHONE.finditer(text)]
    return GuardResult(text, _without_overlaps(findings))
