"""Kinds of activity the Region adds beside the built-in ones: page, rules and use."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import EventType, SkjCategory
from leerhuis.services import anonymisation, event_types, programme
from leerhuis.services.programme import EventInput, SessionInput

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(date.today().year + 1, 4, 14)
NEW_TYPE = {"code": "supervisie", "name_nl": "Supervisie", "name_en": "Supervision",
            "issues_certificate": "y", "skj_category": "reflectie"}


def _type(code):
    return db.session.scalars(select(EventType).where(EventType.code == code)).one()


def _input(provider, type_id, **overrides):
    starts = datetime.combine(DAY, time(10), AMS)
    return EventInput(**{"type_id": type_id, "title": "Supervisie voor gezinsvoogden",
                         "organisation_id": provider.id,
                         "sessions": [SessionInput(starts, starts + timedelta(hours=2))],
                         "address": "Straat 1", "city": "Huizen", **overrides})


def test_the_region_adds_and_edits_a_type_that_its_organisers_can_choose(
        client, auth, region, regio_admin, organisator):
    auth.login(regio_admin)
    page = client.get("/regio/soorten").text
    # built in, not editable
    assert "Intervisie" in page
    assert "Webinar" in page
    assert client.post("/regio/soorten", data=NEW_TYPE).status_code == 302
    created = _type("supervisie")
    assert (created.region_id, created.builtin, created.skj_category,
            created.issues_certificate, created.handles_cases) == (
        region.id, False, SkjCategory.REFLECTIE, True, False)
    assert "Supervisie" in client.get("/regio/soorten").text

    edit = f"/regio/soorten/{created.id}"
    assert 'value="Supervisie"' in client.get(edit).text
    changed = client.post(edit, data={**NEW_TYPE, "name_nl": "Supervisie (groep)",
                                      "handles_cases": "y"})
    assert changed.status_code == 302
    db.session.refresh(created)
    assert created.name_nl == "Supervisie (groep)"
    assert created.handles_cases
    auth.logout()

    auth.login(organisator)
    form = client.get("/activiteiten/nieuw").text
    assert f'<option value="{created.id}">Supervisie (groep)</option>' in form
    assert client.get("/regio/soorten").status_code == 403


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"code": "webinar"}, "code", "al in gebruik"),
    ({"code": "Super Visie"}, "code", "kleine letters"),
    ({"name_en": ""}, "name_en", "Engelse naam"),
])
def test_bad_type_input_gives_dutch_field_errors_and_keeps_values(
        as_regio, region, overrides, field, message):
    response = as_regio.post("/regio/soorten", data={**NEW_TYPE, **overrides})
    assert response.status_code == 400
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert 'value="Supervisie"' in response.text
    assert db.session.scalars(select(EventType).where(EventType.region_id == region.id)).all() == []


def test_built_in_types_and_other_regions_types_cannot_be_edited(
        as_regio, regio_admin, other_region):
    theirs = EventType(code="uw-leerkring", name_nl="Leerkring", name_en="Learning circle",
                       region_id=other_region.id)
    db.session.add(theirs)
    db.session.commit()
    for event_type in (_type("intervisie"), theirs):
        assert as_regio.get(f"/regio/soorten/{event_type.id}").status_code == 404
        assert as_regio.post(f"/regio/soorten/{event_type.id}", data=NEW_TYPE).status_code == 404
    with pytest.raises(event_types.EventTypeError,
                       match=re.escape("Ingebouwde soorten kunnen niet worden gewijzigd.")):
        event_types.update_type(_type("webinar"), event_types.EventTypeInput(
            "webinar", "Webinar", "Webinar"), by=regio_admin)
    assert "Leerkring" not in as_regio.get("/regio/soorten").text


def test_an_event_cannot_use_another_regions_type(provider, organisator, other_region):
    theirs = EventType(code="uw-leerkring", name_nl="Leerkring", name_en="Learning circle",
                       region_id=other_region.id)
    db.session.add(theirs)
    db.session.flush()
    with pytest.raises(programme.ProgrammeError) as error:
        programme.create_event(_input(provider, theirs.id), by=organisator)
    assert "type_id" in error.value.errors


def test_a_region_type_that_handles_cases_passes_the_guard(region, provider, organisator,
                                                           regio_admin):
    anonymisation._load_deduce()
    own = event_types.create_type(region, event_types.EventTypeInput(
        "moreel-beraad", "Moreel beraad", "Moral deliberation", handles_cases=True),
        by=regio_admin)
    with pytest.raises(programme.PrivacyCheckFailed, match=re.escape(
            "Deze tekst bevat gegevens die niet opgeslagen mogen worden: BSN. Haal ze weg.")):
        programme.create_event(_input(provider, own.id, case_summary="BSN 111222333."),
                               by=organisator)
    event = programme.create_event(_input(provider, own.id), by=organisator)
    assert event.type is own
    assert event.issues_certificate
