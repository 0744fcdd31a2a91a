"""Where a ``next`` parameter may send the browser: only to a path on this site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def is_local_path(target: object) -> bool:
    """Whether ``target`` is a path on this site ("/programma?jaar=2026"), as Django's
    ``url_has_allowed_host_and_scheme`` decides it with no allowed hosts.

    Browsers drop tabs and line breaks anywhere in a URL and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" lead to //evil.example: a target holding such
    characters (or any other control character or white space) is refused, not cleaned."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch.isspace() or unicodedata.category(ch).startswith("C")
                             for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: object, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``."""
    return target if is_local_path(target) else default
