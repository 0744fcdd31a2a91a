"""The page cache (leerhuis/page_cache.py) never shows stale data: every change to what the
programme and event pages show raises the data version in its own transaction, and the next
request, on any app server, renders afresh. Each test first fills the cache (the second
request of a page is served from it) and then proves the change is visible at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import make_user
from flask import g
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leerhuis import page_cache
from leerhuis.extensions import db
from leerhuis.models import (
    DataVersion,
    Event,
    EventSession,
    EventStatus,
    EventType,
    ProgrammeStatus,
    ProgrammeYear,
    utcnow,
)
from leerhuis.services import registrations

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def event(region, provider):
    year = utcnow().astimezone(AMS).year + 1
    db.session.add(ProgrammeYear(region_id=region.id, year=year,
                                 status=ProgrammeStatus.PUBLISHED))
    training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    start = datetime(year, 3, 10, 13, 30, tzinfo=AMS)
    event = Event(
        region_id=region.id,
        type=training,
        organisation=provider,
        programme_year=year,
        status=EventStatus.PUBLISHED,
        title="Hechting in gezinshuizen",
        summary="Over zo thuis mogelijk opgroeien.",
        description_md="Een **training**.",
        address="Plein 1",
        city="Hilversum",
        capacity=2,
        published_at=utcnow(),
    )
    event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=3),
                                   net_hours=3)]
    db.session.add(event)
    db.session.commit()
    return event


def programme_path(event: Event) -> str:
    return f"/programma/{event.region.slug}/{event.programme_year}?maand=3"


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def filled(client, path: str) -> str:
    """The page until it is cached (the first answer may carry a flashed message), then
    once from the cache, which must equal the fresh render."""
    page(client, path)
    fresh = page(client, path)
    cached_before = len(page_cache.store.entries)
    from_cache = page(client, path)
    assert len(page_cache.store.entries) == cached_before >= 1
    assert from_cache == fresh
    return from_cache


def other_server_commits(change) -> None:
    """A change committed through another session, as another app server would: nothing in
    this process is told, only the database knows."""
    with Session(bind=db.session.get_bind(), join_transaction_mode="create_savepoint") as other:
        change(other)
        other.commit()
    db.session.expire_all()


def test_an_edited_event_shows_on_the_next_request(client, event):
    assert "Hechting in gezinshuizen" in filled(client, f"/activiteiten/{event.id}")
    assert "Hechting in gezinshuizen" in filled(client, programme_path(event))

    other_server_commits(lambda s: s.get(Event, event.id).__setattr__("title", "Veilig opgroeien"))

    assert "Veilig opgroeien" in page(client, f"/activiteiten/{event.id}")
    assert "Veilig opgroeien" in page(client, programme_path(event))
    assert "Hechting in gezinshuizen" not in page(client, programme_path(event))


def test_a_registration_changes_places_left_at_once(client, auth, region, event, deelnemer):
    auth.login(deelnemer)
    assert "2 van 2 vrij" in filled(client, f"/activiteiten/{event.id}")
    assert "Plaatsen vrij: 2 van 2" in filled(client, programme_path(event))

    colleague = make_user(region, "collega@example.org")
    registrations.register(event.id, colleague, registrations.RegistrationInput())
    db.session.commit()

    assert "1 van 2 vrij" in page(client, f"/activiteiten/{event.id}")
    assert "Plaatsen vrij: 1 van 2" in page(client, programme_path(event))

    # The registration box is the viewer's own: live, beside the cached details.
    response = client.post(f"/activiteiten/{event.id}/aanmelden", data={})
    assert response.status_code == 302
    html = page(client, f"/activiteiten/{event.id}")
    assert "Je bent aangemeld." in html
    assert "0 van 2 vrij" in html


def test_each_viewer_gets_their_own_registration_box_beside_shared_details(
        client, auth, region, event, deelnemer):
    colleague = make_user(region, "collega@example.org")
    registrations.register(event.id, colleague, registrations.RegistrationInput())
    db.session.commit()
    auth.login(colleague)
    assert "Je bent aangemeld." in filled(client, f"/activiteiten/{event.id}")
    auth.logout()
    auth.login(deelnemer)
    html = page(client, f"/activiteiten/{event.id}")
    assert "Je bent aangemeld." not in html
    assert "1 van 2 vrij" in html
    assert f'action="/activiteiten/{event.id}/aanmelden"' in html
    auth.logout()
    html = page(client, f"/activiteiten/{event.id}")
    assert "Log in om je aan te melden" in html
    assert "Je bent aangemeld." not in html


def test_a_language_switch_shows_the_other_language_at_once(client, event):
    assert "Plaatsen vrij: 2 van 2" in filled(client, programme_path(event))
    assert "2 van 2 vrij" in filled(client, f"/activiteiten/{event.id}")
    client.post("/taal/en", data={"next": "/"})
    assert "Places available: 2 of 2" in page(client, programme_path(event))
    assert "2 of 2 available" in page(client, f"/activiteiten/{event.id}")
    client.post("/taal/nl", data={"next": "/"})
    assert "Plaatsen vrij: 2 van 2" in page(client, programme_path(event))


def test_unpublishing_hides_the_event_on_the_next_request(client, event):
    filled(client, f"/activiteiten/{event.id}")
    assert "Hechting in gezinshuizen" in filled(client, programme_path(event))

    other_server_commits(lambda s: s.get(Event, event.id).__setattr__("status",
                                                                      EventStatus.CONCEPT))

    assert client.get(f"/activiteiten/{event.id}").status_code == 404
    assert "Hechting in gezinshuizen" not in page(client, programme_path(event))


def test_an_unpublished_programme_year_hides_its_events_at_once(client, event):
    filled(client, f"/activiteiten/{event.id}")

    other_server_commits(lambda s: s.execute(
        update(ProgrammeYear).where(ProgrammeYear.region_id == event.region_id,
                                    ProgrammeYear.year == event.programme_year)
        .values(status=ProgrammeStatus.DRAFT)))

    assert client.get(f"/activiteiten/{event.id}").status_code == 404


def test_organisers_never_get_the_public_copy(client, auth, event, organisator):
    filled(client, f"/activiteiten/{event.id}")  # an anonymous visitor fills the cache
    auth.login(organisator)
    html = page(client, f"/activiteiten/{event.id}")
    assert "Deelnemers" in html
    assert 'id="beheer"' in html


def test_only_changes_to_what_the_pages_show_raise_the_version(event, deelnemer):
    def version() -> int:
        return db.session.scalar(select(DataVersion.version))

    before = version()
    deelnemer.function = "gedragswetenschapper"  # a profile: not on the public pages
    db.session.commit()
    assert version() == before
    event.sessions[0].starts_at += timedelta(hours=1)
    db.session.commit()
    assert version() == before + 1
    db.session.execute(update(Event).where(Event.id == event.id).values(city="Huizen"))
    db.session.commit()
    assert version() == before + 2
    event.title = "Niet bewaard"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert version() == before + 2


def test_a_request_that_commits_reads_the_version_again(app, event):
    with app.test_request_context(f"/activiteiten/{event.id}"):
        before = page_cache.data_version()
        event.title = "Veilig opgroeien"
        db.session.commit()
        assert "data_version" not in g
        assert page_cache.data_version() == before + 1


def test_an_edited_template_is_rendered_afresh_in_development(app, client, event, tmp_path):
    """With TEMPLATES_AUTO_RELOAD an edited template replaces the cached page at once (the
    cache keys hold the template object, which Jinja renews on a change)."""
    edited = {"programme/event.html": "{% extends 'base.html' %}"
                                      "{% block content %}Versie 1{% endblock %}"}
    original_loader, original_reload = app.jinja_env.loader, app.jinja_env.auto_reload
    app.jinja_env.loader = ChoiceLoader([DictLoader(edited), original_loader])
    app.jinja_env.auto_reload = True
    app.jinja_env.cache.clear()
    try:
        assert "Versie 1" in filled(client, f"/activiteiten/{event.id}")
        edited["programme/event.html"] = edited["programme/event.html"].replace("1", "2")
        assert "Versie 2" in page(client, f"/activiteiten/{event.id}")
    finally:
        app.jinja_env.loader, app.jinja_env.auto_reload = original_loader, original_reload
        app.jinja_env.cache.clear()
