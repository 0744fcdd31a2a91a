"""No client data in any field (issue 21 §1): every text field of every form is declared —
guarded (case text, no identifiers, own contact) or exempt with a reason — and a guarded
field refuses a BSN and an IBAN, and an e-mail address or phone number unless it is meant
for the organiser's own contact details, with the finding highlighted.

The forms are found by walking leerhuis.blueprints, so a new form or field is covered
without anyone remembering to add it here."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, StringField
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectFieldBase

import leerhuis.blueprints
from leerhuis.blueprints.forms_common import GuardedForm
from leerhuis.blueprints.programme.forms import EventForm
from leerhuis.extensions import db
from leerhuis.models import Event, EventType
from leerhuis.services import anonymisation
from leerhuis.services.free_text import KINDS, OWN_CONTACT

POISON = "BSN 628194821 NL91ABNA0417164300 moeder 06-12345678 moeder@gmail.com"
ALL_FOUND = ("Dit veld bevat gegevens die niet opgeslagen mogen worden: BSN, IBAN, "
             "telefoonnummer, e-mailadres. Haal ze weg.")
BSN_IBAN_FOUND = "Dit veld bevat gegevens die niet opgeslagen mogen worden: BSN, IBAN. Haal ze weg."


def _all_form_classes() -> list[type]:
    for module in pkgutil.walk_packages(leerhuis.blueprints.__path__, "leerhuis.blueprints."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("leerhuis.blueprints"):
                found.add(sub)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORMS = _all_form_classes()


def text_fields(form):
    """(the form or sub-form that owns it, field) for every text field, sub-forms included."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from text_fields(entry.form)
        elif isinstance(field, FormField):
            yield from text_fields(field.form)
        elif isinstance(field, StringField) and not isinstance(field, CSRFTokenField):
            yield form, field


def build_form(form_class, data: dict | None = None):
    """The form as a POST with ``data`` would build it (None: an empty POST); choices that
    a view fills in from the database are left empty."""
    form = form_class(formdata=MultiDict(data or {}), meta={"csrf": False})
    for field in form:
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", []) is None:
            field.choices = []
    return form


def _declared_kind(owner, field) -> str | None:
    guarded, _exempt = type(owner).declarations()
    return guarded.get(field.short_name)


def test_the_walk_finds_the_forms_of_every_area():
    names = {cls.__name__ for cls in FORMS}
    assert {"EventForm", "LessonForm", "EvaluationForm", "MinutesForm", "ProgressForm",
            "OrganiserRequestForm", "ProfileForm", "RegistrationForm", "MessageForm",
            "DeleteAccountForm"} <= names


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_every_text_field_is_declared_guarded_or_exempt_with_a_reason(app, form_class):
    with app.test_request_context(method="POST"):
        form = build_form(form_class)
        fields = list(text_fields(form))
        if fields:
            assert isinstance(form, GuardedForm), f"{form_class.__name__} declares nothing"
        for owner, field in fields:
            assert isinstance(owner, GuardedForm), f"{type(owner).__name__} declares nothing"
            guarded, exempt = type(owner).declarations()
            name = f"{type(owner).__name__}.{field.short_name}"
            assert (field.short_name in guarded) != (field.short_name in exempt), (
                f"{name}: declare it once, in guarded or in exempt")
            if field.short_name in guarded:
                assert guarded[field.short_name] in KINDS, name
            else:
                assert exempt[field.short_name].strip(), f"{name}: give the reason"
        # No stale declarations: a removed or renamed field leaves none behind.
        owners = {type(owner) for owner, _field in fields} | {form_class}
        for owner_class in owners & {cls for cls in owners if issubclass(cls, GuardedForm)}:
            guarded, exempt = owner_class.declarations()
            real = {f.short_name for o, f in fields if type(o) is owner_class}
            assert set(guarded) | set(exempt) <= real, owner_class.__name__


@pytest.mark.parametrize("form_class", FORMS, ids=lambda cls: cls.__name__)
def test_every_guarded_field_refuses_client_identifiers_with_the_finding_highlighted(
        app, form_class):
    with app.test_request_context(method="POST"):
        names = [field.name for _owner, field in text_fields(build_form(form_class))]
        form = build_form(form_class, dict.fromkeys(names, POISON))
        if any(_declared_kind(owner, field) for owner, field in text_fields(form)):
            assert not form.validate()
        for owner, field in text_fields(form):
            kind = _declared_kind(owner, field)
            if kind is None:
                continue
            expected = BSN_IBAN_FOUND if kind == OWN_CONTACT else ALL_FOUND
            assert expected in field.errors, f"{form_class.__name__}.{field.name}"
            html = render_template_string('{% import "_macros.html" as ui %}{{ ui.field(f) }}',
                                          f=field)
            assert ('<mark class="guard-hit guard-hit--block" title="BSN">628194821'
                    in html), field.name
            assert '<mark class="guard-hit guard-hit--block" title="IBAN">' in html
            assert f'{field.id}-error {field.id}-guard"' in html  # aria-describedby
            assert "[BSN]" in html  # the suggestion
            # The refused text stays in the field, to be corrected rather than typed again.
            assert "moeder@gmail.com" in html


def test_an_own_contact_field_takes_the_organisers_address_and_number_but_no_bsn(app):
    with app.test_request_context(method="POST"):
        own = build_form(EventForm, {"contact_email": "planning@zorgaanbieder.nl",
                                 "contact_phone": "035-1234567",
                                 "venue_name": "Gezinshuis De Linde"})
        own.validate()
        assert own.contact_email.errors == []
        assert own.contact_phone.errors == []
        assert own.venue_name.errors == []
        client_data = build_form(EventForm, {"contact_phone": "035-1234567 of BSN 628194821",
                                         "venue_name": "bel 035-1234567"})
        client_data.validate()
        assert client_data.contact_phone.errors == [
            "Dit veld bevat gegevens die niet opgeslagen mogen worden: BSN. Haal ze weg."]
        assert client_data.venue_name.errors == [(
            "Dit veld bevat gegevens die niet opgeslagen mogen worden: telefoonnummer. "
            "Haal ze weg.")]


# --- Through the pages ------------------------------------------------------------------

NEXT_YEAR = date.today().year + 1


@pytest.fixture(scope="module", autouse=True)
def _deduce_loaded():
    anonymisation._load_deduce()


def _type_id(code: str) -> int:
    return db.session.scalars(select(EventType.id).where(EventType.code == code)).one()


def _werkbezoek(provider, **overrides) -> dict:
    data = {"type_id": str(_type_id("werkbezoek")), "organisation_id": str(provider.id),
            "title": "Werkbezoek gezinshuis De Linde",
            "sessions-0-date": date(NEXT_YEAR, 3, 9).isoformat(),
            "sessions-0-start": "13:30", "sessions-0-end": "16:30",
            "sessions-0-break_minutes": "30", "address": "Voorbeeldstraat 1", "city": "Huizen",
            "capacity": "15", "own_transport": "y", "contact_name": "Coördinator gezinshuizen",
            "contact_email": "planning@zorgaanbieder.nl", "contact_phone": "035-1234567"}
    data.update(overrides)
    return data


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def test_a_casuistiekbespreking_refuses_client_data_in_its_practical_fields(
        as_organisator, provider):
    typed = {"type_id": str(_type_id("casuistiekbespreking")),
             "title": "Casuïstiekbespreking uithuisplaatsing",
             "accessibility_notes": "BSN 628194821 NL91ABNA0417164300",
             "parking_notes": "BSN 628194821 NL91ABNA0417164300",
             "sessions-0-title": "BSN 628194821 NL91ABNA0417164300",
             "venue_name": "BSN 628194821 NL91ABNA0417164300",
             "trainer": "BSN 628194821 NL91ABNA0417164300",
             "contact_name": "BSN 628194821 NL91ABNA0417164300"}
    response = as_organisator.post("/activiteiten/nieuw", data=_werkbezoek(provider, **typed))
    assert response.status_code == 400
    assert response.text.count(f">{BSN_IBAN_FOUND}</p>") == 6
    for field_id in ("accessibility_notes", "parking_notes", "sessions-0-title", "venue_name",
                     "trainer", "contact_name"):
        assert (f'<p class="guard-text" id="{field_id}-guard">BSN <mark class="guard-hit '
                'guard-hit--block" title="BSN">628194821<span') in response.text, field_id
    # What was typed elsewhere is kept.
    assert 'value="Casuïstiekbespreking uithuisplaatsing"' in response.text
    assert 'value="planning@zorgaanbieder.nl"' in response.text
    assert _events() == 0


def test_a_werkbezoek_description_with_a_bsn_is_refused_and_never_reaches_the_public_page(
        as_organisator, provider):
    text = "Lotte Bakker, BSN 111222333, geboren 14-03-2012"
    response = as_organisator.post("/activiteiten/nieuw",
                                   data=_werkbezoek(provider, description_md=text))
    assert response.status_code == 400
    assert "Dit veld bevat gegevens die niet opgeslagen mogen worden: BSN. Haal ze weg." \
        in response.text
    assert '<mark class="guard-hit guard-hit--block" title="BSN">111222333</mark>' \
        not in response.text  # the mark holds a hidden label too
    assert '<mark class="guard-hit guard-hit--block" title="BSN">111222333<span' in response.text
    assert _events() == 0
    cleaned = as_organisator.post(
        "/activiteiten/nieuw",
        data=_werkbezoek(provider, description_md="Een middag in een gezinshuis."))
    assert cleaned.status_code == 302
    assert _events() == 1

