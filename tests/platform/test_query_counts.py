"""No N+1 on the pages everybody opens: the programme (a month of events), an event page and
Mijn Leerhuis run a fixed number of SQL queries, however many events, sessions and
registrations there are. Counted with an engine event, as Indico's query counter does."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import make_user
from sqlalchemy import event as sa_event
from sqlalchemy import select

from leerhuis import page_cache
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    OrganiserRole,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    RegistrationStatus,
    TargetGroup,
    Theme,
    User,
    utcnow,
)
from leerhuis.services import registrations
from leerhuis.web import _user_statement

AMS = ZoneInfo("Europe/Amsterdam")
MONTH = 3
# Upper bounds with some room; the real proof is that the counts do not grow with the data.
# ``…_cached``: the public parts from the page cache; the event page still asks for the
# viewer's registration and what decides whether they may register.
# event_cached: one count for the pseudonym a participant who did not share their name
# sees on the page (services/visibility.py).
BOUNDS = {"programme": 17, "event": 13, "mijn_leerhuis": 3,
          "programme_cached": 1, "event_cached": 4, "mijn_leerhuis_cached": 3}


@pytest.fixture
def count_queries(app):
    """``with count_queries() as seen:`` — ``seen`` lists every SQL statement sent."""
    @contextmanager
    def counting():
        seen: list[str] = []

        def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield seen
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting


@pytest.fixture
def programme(region, provider, other_provider):
    year = utcnow().astimezone(AMS).year + 1  # the whole year lies ahead: all registrable
    db.session.add(ProgrammeYear(region_id=region.id, year=year,
                                 status=ProgrammeStatus.PUBLISHED))
    db.session.commit()
    return {"region": region, "year": year, "organisations": [provider, other_provider],
            "events": []}


def add_events(programme, count: int, deelnemer, others) -> None:
    """``count`` trainings in March, each with two sessions, themes, target groups, a
    co-organiser and registrations; ``deelnemer`` holds a place in some and waits in
    others (the waiting-list position is per registration: an N+1 waiting to happen)."""
    region, year = programme["region"], programme["year"]
    training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    themes = db.session.scalars(select(Theme).limit(3)).all()
    groups = db.session.scalars(select(TargetGroup).limit(2)).all()
    for number in range(count):
        index = len(programme["events"])
        organisation = programme["organisations"][index % 2]
        start = datetime(year, MONTH, 2 + index % 25, 13, 30, tzinfo=AMS)
        event = Event(region_id=region.id, type=training, organisation=organisation,
                      programme_year=year, status=EventStatus.PUBLISHED,
                      title=f"Training {index}", summary="Over zo thuis mogelijk opgroeien.",
                      description_md="Een **training**.", address="Plein 1", city="Hilversum",
                      capacity=2, published_at=utcnow(), is_accredited=index % 2 == 0,
                      accreditation_points=Decimal(6) if index % 2 == 0 else None)
        event.sessions = [EventSession(starts_at=start + timedelta(days=14 * s),
                                       ends_at=start + timedelta(days=14 * s, hours=3),
                                       net_hours=Decimal(3)) for s in range(2)]
        event.themes = list(themes)
        event.target_groups = list(groups)
        event.co_organisers = [programme["organisations"][(index + 1) % 2]]
        db.session.add(event)
        db.session.flush()
        first = others if number % 2 else []  # full before deelnemer comes: waiting list
        people = [*first, deelnemer, *([] if number % 2 else others)]
        for rank, person in enumerate(people):
            confirmed = rank < event.capacity
            db.session.add(Registration(
                event_id=event.id, user_id=person.id, organisation_id=person.organisation_id,
                status=RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.WAITLISTED,
                confirmed_at=utcnow() if confirmed else None,
                waitlisted_at=None if confirmed else utcnow() + timedelta(seconds=rank)))
        programme["events"].append(event)
    db.session.commit()


def page_queries(client, count_queries, programme) -> dict[str, int]:
    """Queries per page rendered afresh, and (``…_cached``) with the public parts from the
    page cache (leerhuis/page_cache.py)."""
    pages = {"programme": f"/programma/{programme['region'].slug}/{programme['year']}"
                          f"?maand={MONTH}",
             "event": f"/activiteiten/{programme['events'][-1].id}",
             "mijn_leerhuis": "/mijn-leerhuis"}
    counts = {}
    for name, path in pages.items():
        client.get(path)  # once before counting: compiled templates and SQL are not the point
        for kind in ("fresh", "cached"):
            if kind == "fresh":
                page_cache.store.clear()
            db.session.expire_all()  # nothing carried over in the test's shared session
            with count_queries() as seen:
                response = client.get(path)
            assert response.status_code == 200, path
            counts[name if kind == "fresh" else f"{name}_cached"] = len(seen)
    return counts


def test_programme_event_and_mijn_leerhuis_queries_do_not_grow_with_the_data(
        region, deelnemer, as_deelnemer, programme, count_queries):
    team = db.session.get(Organisation, deelnemer.organisation_id)
    others = [make_user(region, f"collega{i}@example.org", organisation=team)
              for i in range(3)]
    extra = Organisation(name="Jeugdhulp Noord", type=OrganisationType.ZORGAANBIEDER,
                         region=region)
    db.session.add(extra)
    db.session.commit()

    add_events(programme, 3, deelnemer, others)
    few = page_queries(as_deelnemer, count_queries, programme)
    add_events(programme, 9, deelnemer, others)
    many = page_queries(as_deelnemer, count_queries, programme)

    assert many == few, f"queries grow with the data: {few} → {many}"
    for page, bound in BOUNDS.items():
        assert many[page] <= bound, f"{page}: {many[page]} queries (at most {bound})"


def test_waiting_list_positions_in_one_query_equal_those_counted_one_by_one(
        region, deelnemer, programme, count_queries):
    team = db.session.get(Organisation, deelnemer.organisation_id)
    others = [make_user(region, f"collega{i}@example.org", organisation=team)
              for i in range(4)]
    add_events(programme, 4, deelnemer, others)
    everyone = db.session.scalars(select(Registration)).all()
    one_by_one = {r.id: registrations.waitlist_position(r) for r in everyone
                  if registrations.waitlist_position(r) is not None}
    with count_queries() as seen:
        at_once = registrations.waitlist_positions(everyone)
    assert len(seen) == 1
    assert at_once == one_by_one
    assert sorted(set(one_by_one.values())) == [1, 2, 3]


def test_mijn_leerhuis_overview_places_equal_those_counted_one_by_one(
        region, deelnemer, programme, count_queries):
    team = db.session.get(Organisation, deelnemer.organisation_id)
    others = [make_user(region, f"collega{i}@example.org", organisation=team)
              for i in range(4)]
    add_events(programme, 4, deelnemer, others)
    for person in [deelnemer, *others]:
        mine = db.session.scalars(select(Registration).where(
            Registration.user_id == person.id)).all()
        with count_queries() as seen:
            lines = registrations.overview_for(person)
        assert len(seen) == 1
        assert {line.id: line.waitlist_position for line in lines} == {
            r.id: registrations.waitlist_position(r) for r in mine}
        assert [line.id for line in lines] == [r.id for r in sorted(
            mine, key=lambda r: (r.registered_at, r.id), reverse=True)]
        assert all(line.event.starts_at == r.event.starts_at and line.event.ends_at
                   == r.event.ends_at for line, r in zip(lines, sorted(
                       mine, key=lambda r: (r.registered_at, r.id), reverse=True), strict=True))


def test_the_navigation_knows_an_organiser_from_the_user_query_alone(
        organisator, auth, client, count_queries):
    auth.login(organisator)
    with count_queries() as seen:
        page = client.get("/mijn-leerhuis").get_data(as_text=True)
    assert "/organiseren" in page
    # The roles themselves are not loaded: only an EXISTS in the user's query.
    assert len(seen) == 2, seen
    assert not any("organiser_role.motivation" in statement for statement in seen), seen


def test_a_role_approved_after_loading_counts_at_once(region, provider, deelnemer):
    loaded, _version = db.session.execute(_user_statement(), {"user_id": deelnemer.id}).one()
    assert loaded.is_organiser is False
    db.session.add(OrganiserRole(user=loaded, organisation=provider,
                                 status=ApprovalStatus.APPROVED, decided_at=utcnow()))
    db.session.commit()
    assert loaded.is_organiser is True
    assert db.session.get(User, deelnemer.id).is_organiser is True
