"""Field helpers and Dutch validators shared by the forms of several areas."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

_SKJ_RE = re.compile(r"^\d{4,12}$")


def skj_number(form, field) -> None:
    value = (field.data or "").strip().replace(" ", "")
    if value and not _SKJ_RE.match(value):
        raise ValidationError(_l("Een SKJ-registratienummer bestaat alleen uit cijfers (4 tot 12)."))
    field.data = value or None


def strip_filter(value):
    # NUL is dropped too: no keyboard makes it and PostgreSQL text cannot hold it.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def one_line_filter(value):
    """A name or function on one line: control characters (CR, LF, escape …) and line
    separators become a space and runs of white space one space. These values go into mail
    headers, calendar attendees and certificates, where a line break does damage."""
    if not isinstance(value, str):
        return value
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(cleaned.split())  # split() also breaks at Unicode line separators


def empty_to_none(value):
    # Optional() ends the validator chain on an empty field, so a validator cannot do this:
    # an emptied optional number is stored as NULL, not as "".
    return None if value == "" else value


# The largest value of a PostgreSQL integer column (ids) and a safe bound for page numbers.
INT_MAX = 2**31 - 1


def int_arg(name: str, default: int | None = None, *, lo: int = 1,
            hi: int = INT_MAX) -> int | None:
    """An integer from the query string, or ``default`` when it is missing, not a number or
    out of range. The range matters: ``?page=10**20`` would overflow the database's OFFSET."""
    from flask import request

    value = request.args.get(name, type=int)
    return value if value is not None and lo <= value <= hi else default


def to_choices(pairs) -> list:
    """(value, label[, optgroup]) tuples as WTForms SelectChoice objects."""
    from wtforms import SelectChoice

    return [SelectChoice("" if p[0] is None else p[0], p[1], optgroup=p[2] if len(p) > 2 else None)
            for p in pairs]
