"""Finding events: the programme lists, month calendar, filters and search, the public API."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    Region,
    TargetGroup,
    Theme,
    User,
)
from leerhuis.models.programme import event_target_group, event_theme
from leerhuis.services import programme, seats
from leerhuis.services.programme import AMSTERDAM


@dataclass
class ProgrammeFilter:
    type_codes: list[str] = field(default_factory=list)
    theme_slugs: list[str] = field(default_factory=list)
    target_group_slugs: list[str] = field(default_factory=list)
    month: int | None = None
    organisation_id: int | None = None
    municipality_id: int | None = None
    places_left: bool = False
    query: str = ""


def seats_taken_subquery():
    """Confirmed registrations per event; registration module fills the count."""
    return seats.taken_expression()


def visible_events(region: Region, year: int, viewer: User | None) -> Select:
    """Events of ``region`` in ``year`` that ``viewer`` may see in the programme, plus the
    published events of other regions that are open to this one."""
    public = programme.public_clause()
    own_region = Event.region_id == region.id
    conditions = [and_(own_region, public),
                  and_(Event.region_id != region.id, Event.open_to_other_regions, public)]
    if viewer is not None and viewer.is_authenticated:
        if viewer.is_region_admin and viewer.region_id == region.id:
            conditions.append(own_region)
        organisations = viewer.organiser_of()
        if organisations:
            conditions.append(and_(own_region, Event.organisation_id.in_(
                [o.id for o in organisations])))
        if any(o.region_id == region.id for o in organisations):
            # Next year's programme in preparation: the region's organisers see every
            # approved event of it, not only their own (other concepts stay hidden).
            # Klankbordgroep meetings stay with their members.
            conditions.append(and_(own_region, programme.was_published_clause(),
                                   ~programme.members_only_clause()))
    return select(Event).where(Event.programme_year == year, or_(*conditions))


def apply_filter(stmt: Select, flt: ProgrammeFilter, year: int) -> Select:
    if flt.type_codes:
        stmt = stmt.join(EventType, Event.type_id == EventType.id).where(
            EventType.code.in_(flt.type_codes))
    if flt.theme_slugs:
        stmt = stmt.where(exists().where(
            event_theme.c.event_id == Event.id, event_theme.c.theme_id == Theme.id,
            Theme.slug.in_(flt.theme_slugs)))
    if flt.target_group_slugs:
        stmt = stmt.where(exists().where(
            event_target_group.c.event_id == Event.id,
            event_target_group.c.target_group_id == TargetGroup.id,
            TargetGroup.slug.in_(flt.target_group_slugs)))
    if flt.month:
        start = datetime.combine(date(year, flt.month, 1), time(0), AMSTERDAM)
        end = datetime.combine(date(year, flt.month, calendar.monthrange(year, flt.month)[1]),
                               time(0), AMSTERDAM) + timedelta(days=1)
        stmt = stmt.where(exists().where(EventSession.event_id == Event.id,
                                         EventSession.starts_at >= start,
                                         EventSession.starts_at < end))
    if flt.organisation_id:
        stmt = stmt.where(Event.organisation_id == flt.organisation_id)
    if flt.municipality_id:
        stmt = stmt.where(Event.organisation_id.in_(select(Organisation.id).where(
            Organisation.municipality_id == flt.municipality_id)))
    if flt.places_left:
        stmt = stmt.where(Event.status == EventStatus.PUBLISHED, or_(
            Event.capacity.is_(None), Event.capacity > seats_taken_subquery()))
    if flt.query.strip():
        for word in flt.query.split()[:8]:
            pattern = f"%{word.lower()}%"
            stmt = stmt.where(or_(func.lower(Event.title).like(pattern),
                                  func.lower(Event.summary).like(pattern),
                                  func.lower(Event.description_md).like(pattern),
                                  func.lower(Event.trainer).like(pattern)))
    return stmt


def first_session_start():
    return (select(func.min(EventSession.starts_at)).where(EventSession.event_id == Event.id)
            .correlate(Event).scalar_subquery())


def list_events(region: Region, year: int, viewer: User | None, flt: ProgrammeFilter,
                page: int = 1, per_page: int = 25):
    stmt = apply_filter(visible_events(region, year, viewer), flt, year)
    stmt = stmt.options(
        selectinload(Event.sessions), selectinload(Event.themes),
        selectinload(Event.target_groups), selectinload(Event.organisation),
    ).order_by(first_session_start(), Event.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def month_calendar(region: Region, year: int, month: int, viewer: User | None,
                   flt: ProgrammeFilter) -> list[list[tuple[date | None, list]]]:
    """Weeks (Monday first) of (day, [(session, event)]) for one month."""
    flt = ProgrammeFilter(**{**flt.__dict__, "month": month})
    events = db.session.scalars(apply_filter(visible_events(region, year, viewer), flt, year)
                                .options(selectinload(Event.sessions))).unique().all()
    by_day: dict[date, list] = {}
    for event in events:
        for session in event.sessions:
            day = session.starts_at.astimezone(AMSTERDAM).date()
            if day.month == month and day.year == year:
                by_day.setdefault(day, []).append((session, event))
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([(d if d.month == month else None,
                       sorted(by_day.get(d, []), key=lambda pair: pair[0].starts_at))
                      for d in week])
    return weeks


def filter_options(region: Region) -> dict:
    return {
        "types": list(db.session.scalars(select(EventType).where(
            or_(EventType.region_id.is_(None), EventType.region_id == region.id))
            .order_by(EventType.builtin.desc(), EventType.name_nl))),
        "themes": list(db.session.scalars(select(Theme).order_by(Theme.name))),
        "target_groups": list(db.session.scalars(select(TargetGroup).order_by(TargetGroup.name))),
        "organisations": list(db.session.scalars(select(Organisation).where(
            Organisation.region_id == region.id, Organisation.status == "goedgekeurd")
            .order_by(Organisation.name))),
        "municipalities": region.municipalities,
    }


def organiser_events(user: User, page: int = 1, per_page: int = 50):
    """The events a person organises (the Region: all of its region), newest programme
    year first, one page at a time."""
    organisation_ids = [o.id for o in user.organiser_of()]
    stmt = select(Event).options(selectinload(Event.sessions)).order_by(Event.programme_year.desc(),
                                                                         Event.id.desc())
    if user.is_region_admin:
        stmt = stmt.where(or_(Event.region_id == user.region_id,
                              Event.organisation_id.in_(organisation_ids)))
    else:
        stmt = stmt.where(Event.organisation_id.in_(organisation_ids))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def public_events(*, region_slug: str | None = None, year: int | None = None,
                  type_code: str | None = None, theme: str | None = None,
                  target_group: str | None = None, limit: int = 200, offset: int = 0):
    """What the public sees (``programme.public_clause``), for the API and the iCal feed."""
    stmt = (select(Event).join(Region, Event.region_id == Region.id)
            .where(programme.public_clause()))
    if region_slug:
        stmt = stmt.where(Region.slug == region_slug)
    if year:
        stmt = stmt.where(Event.programme_year == year)
    flt = ProgrammeFilter(type_codes=[type_code] if type_code else [],
                          theme_slugs=[theme] if theme else [],
                          target_group_slugs=[target_group] if target_group else [])
    stmt = apply_filter(stmt, flt, year or date.today().year)
    stmt = stmt.options(selectinload(Event.sessions), selectinload(Event.themes),
                        selectinload(Event.target_groups), selectinload(Event.organisation),
                        selectinload(Event.region)).order_by(first_session_start(), Event.id)
    return list(db.session.scalars(stmt.limit(limit).offset(offset)))


def event_for_page(event_id: int) -> Event | None:
    """An event with everything its page shows, in a handful of queries (no lazy loads)."""
    return db.session.scalars(
        select(Event).where(Event.id == event_id).options(
            joinedload(Event.organisation), joinedload(Event.region),
            selectinload(Event.coupled_to), selectinload(Event.coupled_discussion),
            selectinload(Event.sessions), selectinload(Event.themes),
            selectinload(Event.target_groups), selectinload(Event.co_organisers))
    ).unique().first()


@dataclass(frozen=True)
class EventFacts:
    """What the registration box (programme/event.html) and the registration rules
    (registrations.registration_closed_reason) read of an event. Kept with the cached event
    page, so a cache hit asks the database only for the visitor's own registration."""

    id: int
    title: str
    region_id: int
    programme_year: int
    status: EventStatus
    published_at: datetime | None
    open_to_other_regions: bool
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    starts_at: datetime | None
    is_online: bool
    online_url: str | None
    offer_hours: int | None
    is_accredited: bool
    is_cohort: bool

    @classmethod
    def of(cls, event: Event) -> EventFacts:
        return cls(**{f.name: getattr(event, f.name) for f in fields(cls)})
