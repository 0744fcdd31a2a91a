"""Field helpers and Dutch validators shared by the forms of several areas."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import ClassVar

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, ValidationError

from leerhuis.services import form_tokens, free_text

_SKJ_RE = re.compile(r"^\d{4,12}$")


def skj_number(form, field) -> None:
    value = (field.data or "").strip().replace(" ", "")
    if value and not _SKJ_RE.match(value):
        raise ValidationError(
            _l("Een SKJ-registratienummer bestaat alleen uit cijfers (4 tot 12)."))
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
    value = request.args.get(name, type=int)
    return value if value is not None and lo <= value <= hi else default


def to_choices(pairs) -> list:
    """(value, label[, optgroup]) tuples as WTForms SelectChoice objects."""
    return [SelectChoice("" if p[0] is None else p[0], p[1], optgroup=p[2] if len(p) > 2 else None)
            for p in pairs]


class GuardedForm:
    """Declares what each text field of a form may hold, and refuses client identifiers in
    it on validation: ``class EventForm(GuardedForm, FlaskForm)`` with
    ``guarded = {"title": CASE_TEXT, "venue_name": NO_IDENTIFIERS,
    "contact_email": OWN_CONTACT}`` and ``exempt = {"email": "why"}``.

    Every StringField/TextAreaField (and subclass) of every form must be in one of the two:
    tests/test_guarded_fields.py walks all forms, so a new field that nobody declared fails
    the suite instead of storing client data. Declarations are inherited and merged along
    the class hierarchy (mixins such as ProfileFields declare their own fields). Sub-forms
    (FormField) are GuardedForms too and are checked when the outer form validates them.

    A refused field gets a Dutch error and ``guard_result`` (the findings), which the
    ``ui.field`` macro highlights; the other typed values stay on the re-rendered form."""

    guarded: ClassVar[dict[str, str]] = {}
    exempt: ClassVar[dict[str, str]] = {}  # field name -> why it is no free text

    @classmethod
    def declarations(cls) -> tuple[dict[str, str], dict[str, str]]:
        """(guarded, exempt) of this form, merged over its base classes."""
        guarded: dict[str, str] = {}
        exempt: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            guarded.update(vars(klass).get("guarded", {}))
            exempt.update(vars(klass).get("exempt", {}))
        return guarded, exempt

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[misc]
        return self.refuse_identifiers() and valid

    def refuse_identifiers(self) -> bool:
        guarded, _exempt = self.declarations()
        clean = True
        for name, kind in guarded.items():
            field = self[name]  # type: ignore[index]
            result = free_text.refused(field.data if isinstance(field.data, str) else None, kind)
            field.guard_result = result
            if result is not None:
                field.errors = [*field.errors, free_text.refusal_message(result)]
                clean = False
        return clean


class OneTimeFormMixin:
    """For a form that creates something: ``class EventForm(OneTimeFormMixin, FlaskForm)``,
    and ``{{ form.form_token }}`` in its template. Each rendering carries a fresh random
    token; pass ``form.submitted_token()`` to ``form_tokens.create_once`` so a second
    submission of the same page creates nothing."""

    form_token = HiddenField(default=form_tokens.new_token)
    exempt: ClassVar[dict[str, str]] = {"form_token": "a random token the server made"}

    def submitted_token(self) -> str | None:
        """The token this submission carried (not the default made for a re-rendering)."""
        raw = self.form_token.raw_data  # type: ignore[attr-defined]
        return raw[0] if raw and form_tokens.is_well_formed(raw[0]) else None


def page_arg() -> int:
    """The ``page`` of a list page. A number that is no page (``?page=abc``, ``?page=0``,
    ``?page=10**20``) shows the first page, as Django's ``Paginator.get_page`` does: the
    reader followed a mangled link and wants the list, not an error."""
    return int_arg("page", 1)


# The days a filter may name: a Period adds a day to its end and converts to UTC, which
# overflows at year 1 and 9999; nobody means a day outside this programme's century.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def date_arg(name: str, default: date) -> date:
    """A day from the query string (YYYY-MM-DD), ``default`` when it is missing; a 400 that
    says what is wrong when it is no day or outside FIRST_DAY..LAST_DAY."""
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400, description=_("%(value)s is geen datum: gebruik de vorm jjjj-mm-dd.",
                                 value=raw[:20]))
    if not FIRST_DAY <= day <= LAST_DAY:
        abort(400, description=_("Kies een datum tussen %(first)s en %(last)s.",
                                 first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    return day
