"""The Region's attendance overviews, aggregated in SQL so they scale to 150,000 rows.

Per grouping (type, organisation, organisation type, municipality, doelgroep, theme, month):
confirmed registrations, people who attended at least one session, the no-show rate
(confirmed but absent in every marked session / confirmed), net hours of learning delivered
and unique professionals reached. Veilig Thuis is its own organisation type, apart from the
municipalities (domain rule). The full export streams one row per registration × session.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, and_, case, func, literal, select, type_coerce

from leerhuis import labels
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceState,
    Event,
    EventSession,
    EventType,
    Organisation,
    Region,
    Registration,
    RegistrationStatus,
    TargetGroup,
    Theme,
    User,
)
from leerhuis.models.programme import event_target_group, event_theme
from leerhuis.services import spreadsheets
from leerhuis.services.programme import AMSTERDAM

GROUPINGS = {
    "soort": _l("Soort activiteit"),
    "organisatie": _l("Organiserende organisatie"),
    "organisatietype": _l("Soort organisatie van de deelnemer"),
    "gemeente": _l("Gemeente van de deelnemer"),
    "doelgroep": _l("Doelgroep"),
    "thema": _l("Thema"),
    "maand": _l("Maand"),
}
TYPE_LABELS = labels.ORGANISATION_TYPE


@dataclass
class Period:
    start: date
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time(0), AMSTERDAM),
                datetime.combine(self.end + timedelta(days=1), time(0), AMSTERDAM))


@dataclass
class Line:
    label: str
    registrations: int
    attended: int
    no_shows: int
    hours: float
    professionals: int

    @property
    def no_show_rate(self) -> float:
        return round(100 * self.no_shows / self.registrations, 1) if self.registrations else 0.0

    def values(self) -> list:
        return [self.label, self.registrations, self.attended, self.no_show_rate,
                round(self.hours, 2), self.professionals]


HEADER = [_l("groep"), _l("aanmeldingen"), _l("aanwezig"), _l("no-show %"), _l("uren"),
          _l("professionals")]


def _per_registration(region: Region, period: Period):
    """One row per confirmed registration in the period: attended sessions, hours, whether
    every marked session was an absence."""
    start, end = period.bounds
    first_start = (select(EventSession.event_id, func.min(EventSession.starts_at).label("start"))
                   .group_by(EventSession.event_id).subquery())
    present = case((Attendance.state == AttendanceState.PRESENT, 1), else_=0)
    marked = case((Attendance.id.is_not(None), 1), else_=0)
    return (
        select(Registration.id.label("registration_id"), Registration.event_id,
               Registration.user_id, Registration.organisation_id,
               Registration.municipality_name, first_start.c.start,
               func.coalesce(func.sum(present), 0).label("present_sessions"),
               func.coalesce(func.sum(marked), 0).label("marked_sessions"),
               func.coalesce(func.sum(case((Attendance.state == AttendanceState.PRESENT,
                                            EventSession.net_hours), else_=0)), 0).label("hours"))
        .join(Event, Event.id == Registration.event_id)
        .join(first_start, first_start.c.event_id == Event.id)
        .outerjoin(Attendance, Attendance.registration_id == Registration.id)
        .outerjoin(EventSession, EventSession.id == Attendance.session_id)
        .where(Event.region_id == region.id, Registration.status == RegistrationStatus.CONFIRMED,
               first_start.c.start >= start, first_start.c.start < end)
        .group_by(Registration.id, Registration.event_id, Registration.user_id,
                  Registration.organisation_id, Registration.municipality_name,
                  first_start.c.start)
    ).subquery()


def overview(region: Region, period: Period, grouping: str) -> list[Line]:
    base = _per_registration(region, period)
    label, joins = _label(grouping, base)
    stmt: Select = select(
        label.label("label"),
        func.count(base.c.registration_id),
        func.sum(case((base.c.present_sessions > 0, 1), else_=0)),
        func.sum(case((and_(base.c.marked_sessions > 0, base.c.present_sessions == 0), 1),
                      else_=0)),
        func.sum(base.c.hours),
        func.count(func.distinct(base.c.user_id)),
    ).select_from(base)
    for target, condition in joins:
        stmt = stmt.outerjoin(target, condition)
    rows = db.session.execute(stmt.group_by(label).order_by(label)).all()
    return [Line(_pretty(grouping, r[0]), r[1], r[2] or 0, r[3] or 0, float(r[4] or 0), r[5])
            for r in rows]


def _label(grouping: str, base):
    if grouping == "soort":
        return EventType.name_nl, [(Event, Event.id == base.c.event_id),
                                   (EventType, EventType.id == Event.type_id)]
    if grouping == "organisatie":
        organiser = Organisation.__table__.alias("organiser")
        return organiser.c.name, [(Event, Event.id == base.c.event_id),
                                  (organiser, organiser.c.id == Event.organisation_id)]
    if grouping == "organisatietype":
        # As text: "onbekend" (a participant without organisation) is no member of the enum.
        return func.coalesce(type_coerce(Organisation.type, String), literal("onbekend")), [
            (Organisation, Organisation.id == base.c.organisation_id)]
    if grouping == "gemeente":
        return func.coalesce(func.nullif(base.c.municipality_name, ""), literal("onbekend")), []
    if grouping == "doelgroep":
        return func.coalesce(TargetGroup.name, literal("geen")), [
            (event_target_group, event_target_group.c.event_id == base.c.event_id),
            (TargetGroup, TargetGroup.id == event_target_group.c.target_group_id)]
    if grouping == "thema":
        return func.coalesce(Theme.name, literal("geen")), [
            (event_theme, event_theme.c.event_id == base.c.event_id),
            (Theme, Theme.id == event_theme.c.theme_id)]
    if grouping == "maand":
        if db.session.get_bind().dialect.name == "postgresql":
            month = func.to_char(func.timezone("Europe/Amsterdam", base.c.start), "YYYY-MM")
        else:  # a Python function registered on each SQLite connection (extensions.py)
            month = func.amsterdam_month(base.c.start)
        return month, []
    raise KeyError(grouping)


def _pretty(grouping: str, value) -> str:
    if grouping == "organisatietype":
        return str(TYPE_LABELS.get(getattr(value, "value", value), value))
    return str(value)


def reached_per_municipality(region: Region, period: Period) -> list[Line]:
    return overview(region, period, "gemeente")


def as_csv(lines: list[Line]) -> str:
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out)
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow(line.values())
    return "\ufeff" + out.getvalue()


def as_xlsx(sheets: dict[str, list[Line]]) -> bytes:
    return spreadsheets.xlsx((title, HEADER, (line.values() for line in lines))
                             for title, lines in sheets.items())


EXPORT_HEADER = ["activiteit", "soort", "bijeenkomst", "organisator", "soort organisatie",
                 "deelnemer", "functie", "organisatie deelnemer", "gemeente", "presentie"]


def export_statement(region_id: int, period: Period, *, formatted: bool = False,
                     csv_cells: bool = False) -> Select:
    """The rows of the full attendance export: one per confirmed registration × session.

    ``formatted``: PostgreSQL formats every field as text itself, exactly as
    ``_format_row`` does in Python, so the CSV can come straight out of COPY; with
    ``csv_cells`` also as a CSV cell that no spreadsheet reads as a formula
    (spreadsheets.csv_cell)."""
    start, end = period.bounds
    organiser = Organisation.__table__.alias("organiser")
    participant_org = Organisation.__table__.alias("participant_org")
    if formatted or csv_cells:
        cell = spreadsheets.csv_cell_sql if csv_cells else (lambda text: text)
        org_type = type_coerce(participant_org.c.type, String)
        columns: tuple[Any, ...] = (
            cell(Event.title), cell(EventType.name_nl),
            func.to_char(func.timezone("Europe/Amsterdam", EventSession.starts_at),
                         "YYYY-MM-DD HH24:MI"),
            cell(organiser.c.name),
            case(*((org_type == key, str(label)) for key, label in TYPE_LABELS.items()),
                 else_=func.coalesce(org_type, "")),
            cell(func.coalesce(func.nullif(func.trim(func.concat_ws(" ", User.first_name,
                                                                      User.last_name)), ""),
                                "(geanonimiseerd)")),
            cell(Registration.function), cell(func.coalesce(participant_org.c.name, "")),
            cell(Registration.municipality_name),
            func.coalesce(type_coerce(Attendance.state, String), "niet geregistreerd"))
    else:
        columns = (Event.title, EventType.name_nl, EventSession.starts_at, organiser.c.name,
                   participant_org.c.type, User.first_name, User.last_name,
                   Registration.function, participant_org.c.name,
                   Registration.municipality_name, Attendance.state)
    return (
        select(*columns)
        .select_from(Registration)
        .join(Event, Event.id == Registration.event_id)
        .join(EventType, EventType.id == Event.type_id)
        .join(EventSession, EventSession.event_id == Event.id)
        .join(organiser, organiser.c.id == Event.organisation_id)
        .outerjoin(participant_org, participant_org.c.id == Registration.organisation_id)
        .outerjoin(User, User.id == Registration.user_id)
        .outerjoin(Attendance, and_(Attendance.registration_id == Registration.id,
                                    Attendance.session_id == EventSession.id))
        # Compared as text so the statement's parameters are plain values (COPY binds them).
        .where(Event.region_id == region_id,
               type_coerce(Registration.status, String) == RegistrationStatus.CONFIRMED.value,
               EventSession.starts_at >= start, EventSession.starts_at < end)
        .order_by(EventSession.starts_at, Registration.id))


def _format_row(row) -> tuple:
    (title, type_name, starts_at, organiser_name, org_type, first, last, function,
     org_name, municipality, state) = row
    return (title, type_name, starts_at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M"),
            organiser_name,
            str(TYPE_LABELS.get(getattr(org_type, "value", org_type), org_type or "")),
            # strip(" "): only spaces, as PostgreSQL's trim() in export_statement
            f"{first or ''} {last or ''}".strip(" ") or "(geanonimiseerd)", function,
            org_name or "", municipality, state.value if state else "niet geregistreerd")


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def export_rows(region_id: int, period: Period, *, in_sql: bool | None = None
                ) -> Iterator[tuple]:
    """One row per registration × session, fetched in chunks (constant memory); formatted
    by PostgreSQL when it is the database (``in_sql``), else here.

    Takes the region's id, not the Region: the CSV streams after the request's session has
    committed and closed, when an ORM object could no longer load its attributes."""
    in_sql = _on_postgresql() if in_sql is None else in_sql
    stmt = export_statement(region_id, period, formatted=in_sql)
    result = db.session.execute(stmt.execution_options(yield_per=5000))
    for rows in result.partitions():
        if in_sql:
            yield from (tuple(row) for row in rows)
        else:
            yield from (_format_row(row) for row in rows)


CHUNK_BYTES = 1 << 16


def stream_csv(region_id: int, period: Period) -> Iterator[str | bytes]:
    """The full export as CSV (UTF-8 with BOM, ';'), in chunks of about 64 kB.

    On PostgreSQL the rows come straight from COPY … TO STDOUT (FORMAT csv): the database
    formats and quotes them, Python only passes the bytes on, so the export runs at the
    speed of a raw dump. Elsewhere Python's csv module writes the same rows (quoted
    otherwise, read back the same)."""
    head = io.StringIO()
    head.write("\ufeff")
    spreadsheets.csv_writer(head, lineterminator="\n").writerow(
        [str(title) for title in EXPORT_HEADER])
    if _on_postgresql():
        yield head.getvalue().encode()
        yield from _copy_csv(export_statement(region_id, period, csv_cells=True))
        return
    buffer = head
    writer = spreadsheets.csv_writer(buffer, lineterminator="\n")
    for row in export_rows(region_id, period):
        writer.writerow(row)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _copy_csv(stmt: Select) -> Iterator[bytes]:
    compiled = stmt.compile(dialect=db.session.get_bind().dialect)
    driver = db.session.connection().connection.driver_connection
    assert driver is not None  # a checked-out connection always has its psycopg connection
    cursor = driver.cursor()
    with cursor, cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv, DELIMITER ';')",
                             compiled.params) as copy:
        chunk = bytearray()
        for data in copy:
            chunk += data
            if len(chunk) >= CHUNK_BYTES:
                yield bytes(chunk)
                chunk.clear()
        yield bytes(chunk)


def write_xlsx(region_id: int, period: Period, path: str) -> None:
    """The full export as a workbook file: rows go to disk as they come (constant memory)."""
    spreadsheets.write_xlsx(path, [("Presentie", EXPORT_HEADER, export_rows(region_id, period))])
