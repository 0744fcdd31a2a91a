"""Property-based tests (hypothesis) on the forms and services people type into.

For every input hypothesis makes up — realistic values mixed with arbitrary Unicode, control
characters, NUL bytes, huge numbers and garbage choices — the portal answers without a 500;
an input it refuses gets a Dutch message on the field and the form comes back with what the
person typed. The number of examples is bounded so `make test` stays fast; the totals are
listed in FUZZ_BUDGET (see the closing note of issue 7).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import PASSWORD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    Theme,
    User,
    utcnow,
)
from leerhuis.services import anonymisation

# Examples per property; the sum is what one `make test` run tries on each database.
FUZZ_BUDGET = {
    "sign_up": 60, "profile": 50, "event_form": 40, "registration": 50, "lesson_form": 40,
    "programme_query": 80, "lessons_query": 50, "api_query": 50, "guard_any_text": 80,
    "guard_identifier_in_text": 60,
}


def fuzz(name: str):
    """Bounded hypothesis settings; one database transaction spans all examples of a test,
    which is what the function-scoped fixtures (rolled back afterwards) are for."""
    return settings(max_examples=FUZZ_BUDGET[name], deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def _deduce_loaded():
    anonymisation._load_deduce()


# --- Strategies ------------------------------------------------------------------------

# Anything a browser (or a script) can send in a form field, surrogates excepted: they
# cannot be encoded in a request at all.
ANY_TEXT = st.text(max_size=120)
LONG_TEXT = st.text(max_size=600)


def mixed(*realistic: str, text=ANY_TEXT):
    return st.one_of(st.sampled_from(realistic), text)


NAMES = mixed("Sanne", "Mila", "Daan", "  Anouk ", "", "Jan-Willem", "Ö" * 81, "Sa\x00nne")
EMAILS = st.one_of(st.emails().map(lambda e: e[:254]),
                   mixed("sanne@example.org", "geen-adres", "", "a@b", "x" * 300 + "@example.org"))
NUMBERS = mixed("", "0", "12", "-1", "99999999999999999999", "1e3", "12,5", "NaN", " 7 ", "٣")
SKJ = mixed("", "100234567", "1002 345 67", "12", "abcd", "1" * 13, "１２３４５６")
DATES = mixed(
    "", "2030-03-09", "2001-01-01", "2030-02-30", "30-03-2030", "9999-12-31", "0001-01-01"
)
TIMES = mixed("", "13:30", "16:30", "24:00", "9:5", "12:60", "23:59")

ENGLISH = re.compile(r"\b(not a valid|this field|invalid|field must|must be|is required|"
                     r"please|could not)\b", re.IGNORECASE)
FIELD_ERROR = re.compile(r'<p class="form-error" id="([\w-]+)-error">(.*?)</p>', re.DOTALL)


def field_errors(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, message in FIELD_ERROR.findall(html):
        found.setdefault(field, []).append(message)
    return found


def assert_dutch_field_errors(html: str) -> dict[str, list[str]]:
    errors = field_errors(html)
    assert errors, "een geweigerde invoer hoort een foutmelding bij een veld te krijgen"
    for messages in errors.values():
        for message in messages:
            assert not ENGLISH.search(message), message
    return errors


def typed(value: str) -> str:
    """What the portal keeps of a typed value: trimmed, without NUL characters."""
    return value.replace("\x00", "").strip()


def on_one_line(value: str) -> str:
    """What the portal keeps of a typed name or function: control characters (CR, LF, NUL …)
    and runs of white space become one space, trimmed."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", value).split())


def assert_kept(html: str, value: str, keep=typed) -> None:
    """What the person typed is back in the form."""
    assert str(escape(keep(value))) in html


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.text[-2000:]
    assert "Traceback" not in response.text


# --- Sign-up and profile ---------------------------------------------------------------


@fuzz("sign_up")
@given(email=EMAILS, password=mixed(PASSWORD, "kort", "wachtwoord123", "", "aaaaaaaaaaaa"),
       repeat_same=st.booleans(), first_name=NAMES, last_name=NAMES,
       function=mixed("jeugdconsulent", "gezinsvoogd", ""), skj=SKJ,
       kamer=mixed("", "jeugd_en_gezinsprofessionals", "gedragswetenschappers", "\t"),
       organisation=st.one_of(st.just("own"), st.just(""), ANY_TEXT),
       language=mixed("nl", "en", "", "fr"))
def test_sign_up_never_fails_and_refusals_are_dutch_and_keep_the_values(
        client, region, municipality_team, email, password, repeat_same, first_name, last_name,
        function, skj, kamer, organisation, language):
    data = {"email": email, "password": password,
            "password_repeat": password if repeat_same else password + "x",
            "first_name": first_name, "last_name": last_name, "function": function,
            "organisation_id": str(municipality_team.id) if organisation == "own" else organisation,
            "municipality_id": str(region.municipalities[0].id), "skj_number": skj,
            "skj_kamer": kamer, "preferred_language": language}
    response = client.post("/registreren", data=data)
    assert_no_server_error(response)
    if "<h1>Bevestig je e-mailadres</h1>" in response.text:
        created = db.session.scalars(select(User).where(
            func.lower(User.email) == typed(email).lower())).one()
        assert created.first_name == on_one_line(first_name)
        return
    assert response.status_code in (200, 400)
    assert_dutch_field_errors(response.text)
    assert_kept(response.text, email)
    for value in (first_name, last_name, function):
        assert_kept(response.text, value, on_one_line)


@fuzz("profile")
@given(first_name=NAMES, last_name=NAMES, function=mixed("gedragswetenschapper", ""), skj=SKJ,
       kamer=mixed("", "gedragswetenschappers", "kamer-x", "\r", " "),
       municipality=mixed("", "own", "-1"))
def test_profile_never_fails_and_refusals_are_dutch_and_keep_the_values(
        as_deelnemer, deelnemer, region, first_name, last_name, function, skj, kamer,
        municipality):
    municipality_id = str(region.municipalities[1].id) if municipality == "own" else municipality
    response = as_deelnemer.post("/profiel", data={
        "first_name": first_name, "last_name": last_name, "function": function,
        "organisation_id": str(deelnemer.organisation_id), "municipality_id": municipality_id,
        "skj_number": skj, "skj_kamer": kamer, "preferred_language": "nl"})
    assert_no_server_error(response)
    if response.status_code == 302:
        db.session.refresh(deelnemer)
        assert deelnemer.first_name == on_one_line(first_name)
        assert deelnemer.skj_number == (typed(skj).replace(" ", "") or None)
        return
    assert_dutch_field_errors(response.text)
    for value in (first_name, last_name, function):
        assert_kept(response.text, value, on_one_line)


# --- The event form --------------------------------------------------------------------


def _type_id(code: str) -> int:
    return db.session.scalars(select(EventType.id).where(EventType.code == code)).one()


@fuzz("event_form")
@given(title=mixed("Werkbezoek Gezinshuis De Linde", "", "x" * 201),
       summary=mixed("Kennismaken met een gezinshuis.", text=LONG_TEXT),
       case_summary=mixed("", "Een jongere van vijftien wil niet meer naar huis.",
                          "Het BSN is 111222333.", text=LONG_TEXT),
       day=DATES, start=TIMES, end=TIMES, break_minutes=NUMBERS, net_hours=NUMBERS,
       capacity=NUMBERS, per_organisation=NUMBERS, points=NUMBERS,
       type_code=st.sampled_from(["werkbezoek", "training", "casuistiekbespreking", "garbage"]),
       theme=mixed("own", "-3", "999999999999"), contact_email=EMAILS,
       postcode=mixed("1271 AA", "", "12345678901"), accredited=st.booleans(),
       online=st.booleans(), venue_kind=mixed("", "gezinshuis", "\r", " ", "paleis"))
def test_the_event_form_never_fails_and_refusals_are_dutch_and_keep_the_values(
        client, auth, provider, organisator, title, summary, case_summary, day, start, end,
        break_minutes, net_hours, capacity, per_organisation, points, type_code, theme,
        contact_email, postcode, accredited, online, venue_kind):
    auth.login(organisator)
    theme_id = db.session.scalars(select(Theme.id).where(Theme.slug == "gezinshuizen")).one()
    data = {"type_id": str(_type_id(type_code)) if type_code != "garbage" else "garbage",
            "organisation_id": str(provider.id), "title": title, "summary": summary,
            "case_summary": case_summary, "sessions-0-date": day, "sessions-0-start": start,
            "sessions-0-end": end, "sessions-0-break_minutes": break_minutes,
            "sessions-0-net_hours": net_hours, "address": "Voorbeeldstraat 1",
            "postcode": postcode, "city": "Huizen", "capacity": capacity,
            "max_per_organisation": per_organisation, "accreditation_points": points,
            "accreditation_number": "SKJ-1" if accredited else "",
            "theme_ids": str(theme_id) if theme == "own" else theme,
            "contact_email": contact_email, "venue_kind": venue_kind,
            "online_url": "https://example.org/m" if online else ""}
    if accredited:
        data["is_accredited"] = "y"
    if online:
        data["is_online"] = "y"
    before = db.session.scalar(select(func.count(Event.id)))
    response = client.post("/activiteiten/nieuw", data=data)
    assert_no_server_error(response)
    if response.status_code == 302:
        assert db.session.scalar(select(func.count(Event.id))) == before + 1
        return
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Event.id))) == before
    errors = FIELD_ERROR.findall(response.text)
    loose = re.findall(r'<div class="error-summary"', response.text)
    assert errors or loose, "een geweigerde activiteit hoort te zeggen wat er mis is"
    for _field, message in errors:
        assert not ENGLISH.search(message), message
    for value in (title, summary, contact_email):
        assert_kept(response.text, value)


# --- Registration ----------------------------------------------------------------------


@pytest.fixture
def accredited_event(region, provider):
    starts = utcnow() + timedelta(days=20)
    event_type = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    event = Event(region_id=region.id, type=event_type, organisation=provider,
                  programme_year=starts.year, status=EventStatus.PUBLISHED,
                  title="Training gesprekstechnieken", address="Straat 1", city="Huizen",
                  capacity=3, is_accredited=True, accreditation_number="SKJ-42",
                  accreditation_points=Decimal(3),
                  registration_closes_at=starts - timedelta(days=1))
    event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                   net_hours=Decimal(3))]
    db.session.add(event)
    if (
        db.session.scalars(
            select(ProgrammeYear).where(
                ProgrammeYear.region_id == region.id, ProgrammeYear.year == starts.year
            )
        ).first()
        is None
    ):
        db.session.add(ProgrammeYear(region_id=region.id, year=starts.year,
                                     status=ProgrammeStatus.PUBLISHED))
    db.session.commit()
    return event


@fuzz("registration")
@given(skj=SKJ, diet=mixed("", "vegetarisch", "x" * 301),
       needs=mixed("", "Rolstoeltoegankelijke ruimte graag.", text=LONG_TEXT),
       consent=st.booleans(), profile_skj=st.booleans())
def test_registration_never_fails_and_refusals_are_dutch_and_keep_the_values(
        client, auth, deelnemer, accredited_event, skj, diet, needs, consent, profile_skj):
    deelnemer.skj_number = "100234567" if profile_skj else None
    db.session.commit()
    auth.login(deelnemer)
    data = {"skj_number": skj, "diet": diet, "accessibility_needs": needs}
    if consent:
        data["consent_share_name"] = "y"
    url = f"/activiteiten/{accredited_event.id}/aanmelden"
    response = client.post(url, data=data)
    assert_no_server_error(response)
    registration = db.session.scalars(select(Registration).where(
        Registration.event_id == accredited_event.id, Registration.user_id == deelnemer.id)).first()
    if response.status_code == 302:
        assert registration is not None
        assert registration.cancelled_at is None
        assert registration.diet == typed(diet)
        # Back to a clean slate for the next example: afmelden through the page as well.
        assert client.post(f"/activiteiten/{accredited_event.id}/afmelden").status_code == 302
        return
    assert response.status_code == 400
    assert registration is None or registration.cancelled_at is not None
    assert_dutch_field_errors(response.text)
    for value in (diet, needs):
        assert_kept(response.text, value)


# --- The lessons form ------------------------------------------------------------------


@fuzz("lesson_form")
@given(title=mixed("Eerder luisteren naar de jongere", "", "t" * 201),
       wanted=mixed("Dat er eerder naar ons geluisterd was.", "Bel moeder op 06-12345678.",
                    text=LONG_TEXT),
       quote=mixed("", "Niemand vroeg wat ik wilde.", text=ANY_TEXT),
       source=mixed("spiegelbijeenkomst", "evaluatie", "onzin"),
       phase=mixed("preventie", "uitstroom", ""), kind=mixed("aandachtspunt", "x"),
       action=mixed("", "-1", "123456789012"), confirmed=st.booleans())
def test_the_lessons_form_never_fails_and_refusals_are_dutch_and_keep_the_values(
        client, auth, regio_admin, title, wanted, quote, source, phase, kind, action, confirmed):
    auth.login(regio_admin)
    data = {"title": title, "source": source, "kind": kind, "phase": phase,
            "wanted_differently": wanted, "what_was_good": "", "earlier_prevention": "",
            "quote": quote, "action_id": action, "follow_up_proposal": "",
            "follow_up_owner": "", "follow_up_status": "open", "visibility": "regio"}
    if confirmed:
        data["privacy_confirmed"] = "y"
    response = client.post("/lessen/nieuw", data=data)
    assert_no_server_error(response)
    if response.status_code == 302:
        return
    assert response.status_code == 400
    assert_dutch_field_errors(response.text)
    for value in (title, wanted, quote):
        assert_kept(response.text, value)


# --- Search and filter query strings ---------------------------------------------------

QUERY_VALUE = st.one_of(
    st.sampled_from(["", "1", "3", "13", "-1", "0", "99999999999999999999999", "training",
                     "gezinshuizen", "kalender", "lijst", "huizen", "%", "_", "'", "\\", "&|!",
                     "a:*", "(", "NaN", "\x00", "trai\x00ning"]),
    st.text(max_size=60))


def _query(keys: list[str]):
    return st.lists(st.tuples(st.sampled_from(keys), QUERY_VALUE), max_size=8)


@fuzz("programme_query")
@given(params=_query(["soort", "thema", "doelgroep", "maand", "organisatie", "gemeente",
                      "plaatsen", "q", "page", "weergave"]),
       year=st.sampled_from([2000, 2025, 2026, 2027, 2100]))
def test_programme_filters_never_fail(client, accredited_event, region, params, year):
    response = client.get(f"/programma/{region.slug}/{year}", query_string=params)
    assert_no_server_error(response)
    assert response.status_code in (200, 400, 404)


@fuzz("lessons_query")
@given(params=_query(["q", "thema", "fase", "page"]))
def test_lesson_search_never_fails(as_organisator, params):
    response = as_organisator.get("/lessen", query_string=params)
    assert_no_server_error(response)
    assert response.status_code in (200, 400, 404)


@fuzz("api_query")
@given(params=_query(["regio", "jaar", "soort", "thema", "doelgroep", "limit", "offset"]))
def test_api_filters_never_fail_and_refuse_with_json(client, accredited_event, params):
    response = client.get("/api/v1/evenementen", query_string=params)
    assert_no_server_error(response)
    assert response.status_code in (200, 400)
    assert response.is_json
    if response.status_code == 400:
        assert response.json["status"] == 400


# --- The anonymisation guard -----------------------------------------------------------


@fuzz("guard_any_text")
@given(text=st.text(max_size=400))
def test_the_guard_accepts_any_text_and_its_findings_point_into_it(text):
    result = anonymisation.check_text(text, ["Huizen", "Hilversum"])
    position = 0
    for finding in result.findings:
        assert position <= finding.start < finding.end <= len(text)
        assert text[finding.start:finding.end] == finding.text
        position = finding.end
    assert result.is_clean == (not result.findings)
    for finding in result.blocking:
        assert finding.text not in result.suggestion()


def _bsn(digits: list[int]) -> str | None:
    """Nine digits that pass the 11-proef, or None."""
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    last = total % 11
    if last > 9 or digits[0] == 0:
        return None
    return "".join(map(str, digits[:8])) + str(last)


IDENTIFIERS = st.one_of(
    st.lists(st.integers(0, 9), min_size=8, max_size=8).map(_bsn).filter(bool)
    .map(lambda v: ("bsn", v)),
    st.from_regex(r"06-[1-9]\d{7}", fullmatch=True).map(lambda v: ("phone", v)),
    st.from_regex(r"[a-z]{2,8}\.[a-z]{2,8}@[a-z]{3,8}\.nl", fullmatch=True)
    .map(lambda v: ("email", v)),
    st.sampled_from(["NL91ABNA0417164300", "NL20INGB0001234567", "NL39RABO0300065264"])
    .map(lambda v: ("iban", v)),
)
PROSE = st.text(alphabet=st.characters(categories=["L", "Zs", "P"], exclude_characters="@"),
                max_size=80)


@fuzz("guard_identifier_in_text")
@given(before=PROSE, identifier=IDENTIFIERS, after=PROSE)
def test_the_guard_blocks_a_clear_identifier_wherever_it_stands(before, identifier, after):
    kind, value = identifier
    text = f"{before} {value} {after}"
    result = anonymisation.check_text(text, [])
    assert any(value in f.text or f.text in value for f in result.blocking), (kind, text)
    assert value not in result.suggestion()
