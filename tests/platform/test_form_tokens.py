"""Double submits: a creating form carries a one-time token; the first POST creates, a second
POST with the same token creates nothing and redirects to what the first one made."""

import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventType,
    FormSubmission,
    GroupType,
    KlankbordGroup,
    KlankbordMeeting,
    Lesson,
    Organisation,
    OrganisationType,
)
from leerhuis.services import anonymisation, form_tokens

NEXT_YEAR = date.today().year + 1
DAY = date(NEXT_YEAR, 3, 9)


@pytest.fixture(scope="module", autouse=True)
def _deduce_loaded():
    anonymisation._load_deduce()


def token_on(page: str, name: str = "form_token") -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def event_form(provider, **overrides) -> dict:
    training = db.session.scalars(select(EventType.id).where(EventType.code == "training")).one()
    data = {"type_id": str(training), "organisation_id": str(provider.id),
            "title": "Gesprekstechnieken", "sessions-0-date": DAY.isoformat(),
            "sessions-0-start": "13:30", "sessions-0-end": "16:30",
            "sessions-0-break_minutes": "30", "address": "Voorbeeldstraat 1", "city": "Huizen",
            "capacity": "15", "own_transport": "y"}
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_double_submitted_event_form_makes_one_event_and_the_second_answer_leads_to_it(
        as_organisator, provider):
    token = token_on(as_organisator.get("/activiteiten/nieuw").text)
    first = as_organisator.post("/activiteiten/nieuw", data=event_form(provider, form_token=token))
    second = as_organisator.post("/activiteiten/nieuw", data=event_form(provider, form_token=token))
    event = db.session.scalars(select(Event)).one()
    assert first.status_code == 302
    assert first.headers["Location"] == f"/activiteiten/{event.id}"
    assert second.status_code == 302
    assert second.headers["Location"] == f"/activiteiten/{event.id}"
    assert count(FormSubmission) == 1


def test_every_new_form_carries_a_fresh_token(as_organisator):
    first = token_on(as_organisator.get("/activiteiten/nieuw").text)
    second = token_on(as_organisator.get("/activiteiten/nieuw").text)
    assert first != second
    assert form_tokens.is_well_formed(first)


def test_a_refused_submission_keeps_its_token_for_the_corrected_form(as_organisator, provider):
    token = form_tokens.new_token()
    past = event_form(provider, form_token=token, **{"sessions-0-date": "2020-03-09"})
    refused = as_organisator.post("/activiteiten/nieuw", data=past)  # refused by the service
    assert refused.status_code == 400
    assert "Een nieuwe bijeenkomst kan niet in het verleden liggen." in refused.text
    assert f'value="{token}"' in refused.text  # the page sent back carries the same token
    assert count(FormSubmission) == 0
    corrected = as_organisator.post(
        "/activiteiten/nieuw", data=event_form(provider, form_token=token)
    )
    assert corrected.status_code == 302
    assert count(Event) == 1


def test_someone_elses_token_creates_nothing(client, auth, provider, other_provider, organisator,
                                              other_organisator):
    token = form_tokens.new_token()
    auth.login(organisator)
    assert client.post("/activiteiten/nieuw", data=event_form(provider, form_token=token)
                       ).status_code == 302
    auth.logout()
    auth.login(other_organisator)
    copied = client.post("/activiteiten/nieuw", data=event_form(other_provider, form_token=token))
    assert copied.status_code == 400
    assert count(Event) == 1


def test_a_double_submitted_series_makes_one_series(as_organisator, provider):
    token = token_on(as_organisator.get("/activiteiten/reeks").text)
    data = event_form(provider, form_token=token, **{"herhaling-every": "month",
                                                     "herhaling-count": "3"})
    first = as_organisator.post("/activiteiten/reeks", data=data)
    second = as_organisator.post("/activiteiten/reeks", data=data)
    assert count(Event) == 3
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]


def test_forms_without_a_token_still_create(organisator):
    made = [form_tokens.create_once(None, by=organisator, create=lambda: object())
            for _ in range(2)]
    assert made[0] is not made[1]


def test_a_double_submitted_klankbordgroep_meeting_is_planned_once(as_regio, region):
    db.session.add(Organisation(name="Regio Gooi en Vechtstreek", type=OrganisationType.REGIO,
                                region=region))
    group = KlankbordGroup(region_id=region.id, name="Zo thuis mogelijk opgroeien",
                           type=GroupType.PARTNERS)
    db.session.add(group)
    db.session.commit()
    url = f"/klankbordgroepen/{group.id}"
    token = token_on(as_regio.get(url).text, "bijeenkomst-form_token")
    data = {"bijeenkomst-day": (date.today() + timedelta(days=40)).isoformat(),
            "bijeenkomst-start": time(10).isoformat("minutes"),
            "bijeenkomst-end": time(12).isoformat("minutes"),
            "bijeenkomst-place": "Gemeentehuis, Hilversum", "bijeenkomst-form_token": token}
    first = as_regio.post(url, data=data)
    second = as_regio.post(url, data=data)
    meeting = db.session.scalars(select(KlankbordMeeting)).one()
    assert first.headers["Location"] == f"/klankbordgroepen/bijeenkomsten/{meeting.id}"
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(Event) == 1


def test_a_double_submitted_lesson_is_saved_once(as_organisator):
    token = token_on(as_organisator.get("/lessen/nieuw").text)
    data = {"title": "Eerder samen met school en huisarts", "source": "spiegelbijeenkomst",
            "kind": "aandachtspunt", "phase": "preventie", "follow_up_status": "open",
            "visibility": "regio", "action_id": "", "form_token": token,
            "earlier_prevention": "Bij de eerste signalen van school samen optrekken."}
    first = as_organisator.post("/lessen/nieuw", data=data)
    second = as_organisator.post("/lessen/nieuw", data=data)
    lesson = db.session.scalars(select(Lesson)).one()
    assert first.headers["Location"] == f"/lessen/{lesson.id}"
    assert second.status_code == 302
    assert second.headers["Location"] == f"/lessen/{lesson.id}"
