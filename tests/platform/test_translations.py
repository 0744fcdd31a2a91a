"""Languages and dates: every string in the sources has a real English translation with the
same placeholders, pages served in English read as English, and dates and times are Dutch
(or English) through Babel in Amsterdam time, also across a DST change."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import ROOT
from flask_babel import force_locale
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.formatting import format_moment, format_period
from leerhuis.models import EventType, Municipality, Organisation, Region, TargetGroup, Theme
from leerhuis.services import programme
from leerhuis.services.programme import EventInput, SessionInput

CATALOGUE = ROOT / "leerhuis" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
AMS = ZoneInfo("Europe/Amsterdam")
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")


def source_messages() -> dict[str, str | tuple[str, ...]]:
    """msgid → where it was found, extracted now from the sources with babel.cfg."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.setdefault(message, f"{filename}:{lineno}")
    return found


def catalogue():
    with CATALOGUE.open("rb") as source:
        return read_po(source, locale="en")


def _key(message_id):
    return message_id[0] if isinstance(message_id, tuple) else message_id


def test_every_string_in_the_sources_has_an_english_translation():
    translated = {_key(m.id): m for m in catalogue() if m.id}
    problems = []
    for message_id, where in sorted(source_messages().items(), key=lambda item: _key(item[0])):
        entry = translated.get(_key(message_id))
        strings = () if entry is None else (
            entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None:
            problems.append(f"missing    {where}: {message_id!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy      {where}: {message_id!r}")
        elif not strings or not all(s.strip() for s in strings):
            problems.append(f"untranslated {where}: {message_id!r}")
        elif isinstance(message_id, tuple) != isinstance(entry.id, tuple):
            problems.append(f"plural forms differ {where}: {message_id!r}")
    assert not problems, (
        f"{len(problems)} strings need an English translation (run `make messages`, then "
        "translate them in leerhuis/translations/en/LC_MESSAGES/messages.po):\n"
        + "\n".join(problems))


def _placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((name or "", kind) for name, kind in PLACEHOLDER.findall(text) if kind != "%")


def test_translations_keep_the_placeholders_of_the_dutch_text():
    mismatches = []
    for entry in catalogue():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for index, translation in enumerate(strings):
            if not translation:
                continue
            source = ids[min(index, len(ids) - 1)]
            if _placeholders(source) != _placeholders(translation):
                mismatches.append(f"{source!r} → {translation!r}")
    assert not mismatches, "placeholders differ:\n" + "\n".join(mismatches)


def test_the_placeholder_check_notices_a_renamed_placeholder():
    assert _placeholders("Actie %(n)d: %(title)s") != _placeholders("Action %(number)d: %(title)s")
    assert _placeholders("%(left)d van %(total)d vrij") == _placeholders("%(total)d: %(left)d free")


# --- Pages in English --------------------------------------------------------------------

# Words that are Dutch and not English; DB content (names, titles) is removed first.
DUTCH_WORDS = {"het", "een", "van", "voor", "je", "jouw", "niet", "naar", "bij", "zijn",
               "wordt", "en", "op", "aanmelden", "bijeenkomst", "activiteit",
               "activiteiten", "inloggen", "wachtwoord", "programma", "jaarprogramma", "soort",
               "doelgroep", "maand", "plaatsen", "uur", "regio", "gemeente", "zoeken", "terug",
               "alle", "geen", "nog", "meer", "ook", "kan", "kun", "wat", "wie", "waar", "wanneer"}


def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    attributes = " ".join(re.findall(r'\b(?:alt|title|aria-label|placeholder)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes)


def _data_strings() -> list[str]:
    """Names and titles that come from the database: they stay as their owners wrote them."""
    strings = []
    for model, columns in ((Region, ("name", "leerhuis_name", "signatory_function")),
                           (Organisation, ("name",)), (Municipality, ("name",)),
                           (Theme, ("name",)), (TargetGroup, ("name",))):
        for row in db.session.scalars(select(model)):
            strings += [getattr(row, column) or "" for column in columns]
    return sorted((s for s in strings if s), key=len, reverse=True)


def _dutch_leftovers(page: str, extra_data: list[str]) -> list[str]:
    text = _visible_text(page)
    for value in extra_data + _data_strings():
        text = text.replace(value, " ")
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    leftovers = sorted({w for w in words if w in DUTCH_WORDS})
    # Longer Dutch UI sentences from the catalogue that slipped through untranslated.
    for entry in catalogue():
        source = _key(entry.id) if entry.id else ""
        for fragment in PLACEHOLDER.split(source)[::3]:
            fragment = fragment.strip(" :.,")
            if len(fragment) >= 16 and fragment in text and fragment not in str(entry.string):
                leftovers.append(fragment)
    return leftovers


@pytest.fixture
def english_event(region, provider, organisator, regio_admin):
    """A published event whose own texts are English, so every Dutch word on its page
    would come from the interface."""
    next_year = date.today().year + 1
    starts = datetime.combine(date(next_year, 3, 9), time(13, 30), AMS)
    werkbezoek = db.session.scalars(select(EventType).where(EventType.code == "werkbezoek")).one()
    event = programme.create_event(EventInput(
        type_id=werkbezoek.id, title="Visit to a family home", organisation_id=provider.id,
        summary="Meet the carers and see the house.",
        sessions=[SessionInput(starts, starts + timedelta(hours=3), 30)],
        address="Street 1", city="Huizen", capacity=10), by=organisator)
    programme.publish(event, by=regio_admin)
    programme.publish_programme_year(region, next_year, by=regio_admin)
    db.session.commit()
    return event


def _in_english(client):
    response = client.post("/taal/en", data={"next": "/"})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/", "/inloggen", "/programma/gooi-en-vechtstreek/{year}",
                                  "/activiteiten/{event_id}"])
def test_pages_served_in_english_show_no_dutch(client, english_event, path):
    _in_english(client)
    url = path.format(year=date.today().year + 1, event_id=english_event.id)
    page = client.get(url, follow_redirects=True)
    assert page.status_code == 200
    assert '<html lang="en"' in page.text
    leftovers = _dutch_leftovers(page.text, [english_event.title, english_event.summary,
                                             "Street 1", "Huizen"])
    assert not leftovers, f"Dutch left on {url}: {leftovers}"


def test_the_same_page_in_dutch_is_dutch(client, english_event):
    page = client.get(f"/activiteiten/{english_event.id}")
    assert '<html lang="nl"' in page.text
    assert _dutch_leftovers(page.text, [english_event.title, english_event.summary])


def test_english_event_page_shows_the_session_in_english(client, english_event):
    _in_english(client)
    page = client.get(f"/activiteiten/{english_event.id}").text
    year = date.today().year + 1
    weekday = date(year, 3, 9).strftime("%A")  # the C locale's English day name
    assert f"{weekday}, March 9, {year}, 1:30\u202fPM–4:30\u202fPM" in html.unescape(page)


# --- Dates and times ---------------------------------------------------------------------

def test_a_session_reads_as_one_dutch_phrase_in_amsterdam_time(app):
    starts = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)  # 13:00 in Amsterdam (winter time)
    with app.test_request_context(), force_locale("nl"):
        assert format_period(starts, starts + timedelta(hours=3, minutes=30)) == \
            "dinsdag 9 maart 2027, 13:00–16:30"


def test_sessions_across_the_dst_change_keep_their_wall_clock_times(app):
    """Weekly at 13:00 Amsterdam time: 12:00 UTC before 28 March 2027, 11:00 UTC after."""
    before = datetime(2027, 3, 23, 12, 0, tzinfo=UTC)
    after = datetime(2027, 3, 30, 11, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("nl"):
        assert format_period(before, before + timedelta(hours=3, minutes=30)) == \
            "dinsdag 23 maart 2027, 13:00–16:30"
        assert format_period(after, after + timedelta(hours=3, minutes=30)) == \
            "dinsdag 30 maart 2027, 13:00–16:30"
    with app.test_request_context(), force_locale("en"):
        assert format_period(after, after + timedelta(hours=3, minutes=30)) == \
            "Tuesday, March 30, 2027, 1:00\u202fPM–4:30\u202fPM"


def test_a_session_on_the_night_the_clocks_go_back_ends_on_the_next_day(app):
    # The clocks go back on Sunday 31 October 2027 at 03:00.
    starts = datetime(2027, 10, 30, 20, 0, tzinfo=UTC)  # 22:00 summer time
    ends = datetime(2027, 10, 31, 3, 0, tzinfo=UTC)     # 04:00 winter time
    with app.test_request_context(), force_locale("nl"):
        assert format_period(starts, ends) == \
            "zaterdag 30 oktober 2027, 22:00 – zondag 31 oktober 2027, 04:00"
        assert format_moment(ends) == "31 oktober 2027, 04:00"
