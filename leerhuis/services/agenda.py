"""The uitvoeringsagenda: actions, progress per half-year and partner contributions, and the
voortgangsrapportage (PDF with the Leerhuis's own figures as charts).

Rules enforced here:
- the Region (its regio-beheerders) writes its own progress text per action and half-year;
- a partner's contribution is written on behalf of an organisation only by someone the
  Region approved as organiser for it (an approved OrganiserRole); the organisation in a
  person's profile is self-declared and gives no right to write for it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    ActionProgress,
    AgendaAction,
    Attendance,
    AttendanceState,
    EvaluationResponse,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    Region,
    Registration,
    User,
    utcnow,
)
from leerhuis.services import audit, charts, pdf
from leerhuis.services.programme import AMSTERDAM

HALF_YEAR = re.compile(r"^(20\d\d)-H([12])$")


def current_half_year(today: date | None = None) -> str:
    today = today or date.today()
    return f"{today.year}-H{1 if today.month <= 6 else 2}"


def half_year_bounds(half_year: str) -> tuple[date, date]:
    match = HALF_YEAR.match(half_year)
    if not match:
        raise ValueError(half_year)
    year, half = int(match[1]), int(match[2])
    return ((date(year, 1, 1), date(year, 7, 1)) if half == 1
            else (date(year, 7, 1), date(year + 1, 1, 1)))


def recent_half_years(around: str, count: int = 6) -> list[str]:
    """The half-years to pick from: the current one, the next and a few before ``around``."""
    current = current_half_year()
    year, half = int(current[:4]), int(current[-1])
    result = []
    index = year * 2 + half - 1 + 1  # starting one half-year ahead
    for _step in range(count):
        result.append(f"{index // 2}-H{index % 2 + 1}")
        index -= 1
    if around not in result:
        result.append(around)
    return result


def own_texts(region: Region, half_year: str, organisation: Organisation | None) -> dict[int, str]:
    """action id → the text this writer (the Region, or one partner) already saved, to edit."""
    rows = db.session.execute(select(ActionProgress.action_id, ActionProgress.text).join(
        AgendaAction).where(
        AgendaAction.region_id == region.id, ActionProgress.half_year == half_year,
        ActionProgress.organisation_id.is_(None) if organisation is None
        else ActionProgress.organisation_id == organisation.id))
    return {action_id: text for action_id, text in rows}


def actions(region: Region) -> list[AgendaAction]:
    return list(db.session.scalars(select(AgendaAction).where(AgendaAction.region_id == region.id)
                                   .order_by(AgendaAction.number)))


class AgendaError(DomainError):
    """A rule of the uitvoeringsagenda was broken."""


def save_action(region: Region, *, number: int, title: str, measures: str, by: User,
                action: AgendaAction | None = None) -> AgendaAction:
    """The Region keeps its uitvoeringsagenda as data: numbered actions with their measures
    (one per line). Numbers are unique within the region."""
    taken = db.session.scalar(select(AgendaAction.id).where(
        AgendaAction.region_id == region.id, AgendaAction.number == number))
    if taken is not None and (action is None or taken != action.id):
        raise AgendaError(_("Er is al een actie met dit nummer."), field="number")
    action = action or AgendaAction(region_id=region.id)
    action.number = number
    action.title = title.strip()
    action.measures = "\n".join(line.strip() for line in measures.splitlines() if line.strip())
    db.session.add(action)
    db.session.flush()
    audit.record("agenda.action_saved", actor=by, subject=f"agenda_action:{action.id}")
    return action


def progress_for(region: Region, half_year: str) -> dict[int, dict]:
    """action id → {'region': text or None, 'partners': [(organisation, text)]}."""
    result: dict[int, dict[str, Any]] = {
        a.id: {"region": None, "partners": []} for a in actions(region)}
    rows = db.session.scalars(select(ActionProgress).join(AgendaAction).where(
        AgendaAction.region_id == region.id, ActionProgress.half_year == half_year))
    for row in rows:
        if row.organisation_id is None:
            result[row.action_id]["region"] = row.text
        else:
            result[row.action_id]["partners"].append((row.organisation, row.text))
    return result


def no_role_message() -> str:
    return _("Je kunt alleen bijdragen namens een organisatie waarvoor de regio je als "
             "organisator heeft goedgekeurd. Vraag die rol aan via ‘Organisator worden voor een "
             "organisatie’ op je profielpagina.")


def contributing_organisations(user: User, region: Region) -> list[Organisation]:
    """The organisations of ``region`` that ``user`` may write contributions for: those the
    Region approved them as organiser for."""
    return sorted((o for o in user.organiser_of() if o.region_id == region.id),
                  key=lambda o: o.name)


def writing_organisation(user: User, region: Region,
                         organisation_id: int | None) -> Organisation | None:
    """Whom ``user`` writes for on the agenda page: None for the Region's own text, else the
    organisation asked for (or their only one). Raises AgendaError without the right."""
    if user.is_region_admin and user.region_id == region.id:
        return None
    organisations = contributing_organisations(user, region)
    if organisation_id is None and len(organisations) >= 1:
        return organisations[0]
    found = next((o for o in organisations if o.id == organisation_id), None)
    if found is None:
        raise AgendaError(no_role_message())
    return found


def write_progress(action: AgendaAction, half_year: str, text: str, *, by: User,
                   organisation: Organisation | None = None) -> ActionProgress:
    """The Region's own text (organisation None) or a partner's contribution; one each per
    half-year, updated in place. Only the Region writes its text; only an approved
    organiser of the organisation writes (or overwrites) its contribution."""
    half_year_bounds(half_year)
    if organisation is None:
        if not (by.is_region_admin and by.region_id == action.region_id):
            raise AgendaError(_("Alleen de regio beschrijft de voortgang van de regio."))
    elif organisation.region_id != action.region_id or not by.is_organiser_for(organisation.id):
        raise AgendaError(no_role_message())
    organisation_id = organisation.id if organisation is not None else None
    row = db.session.scalars(select(ActionProgress).where(
        ActionProgress.action_id == action.id, ActionProgress.half_year == half_year,
        ActionProgress.organisation_id.is_(None) if organisation_id is None
        else ActionProgress.organisation_id == organisation_id)).first()
    if row is None:
        row = ActionProgress(action_id=action.id, half_year=half_year,
                             organisation_id=organisation_id, text="")
        db.session.add(row)
    row.text = text.strip()
    row.updated_by_id = by.id
    return row


def leerhuis_figures(region: Region, start: date, end: date) -> dict:
    """Activities held per type, participants, net hours delivered, evaluation averages."""
    begin = datetime.combine(start, time(0), AMSTERDAM)
    # Held: sessions of this half-year that have ended by now, of events not cancelled.
    finish = min(datetime.combine(end, time(0), AMSTERDAM), utcnow())
    held_session = (Event.region_id == region.id, Event.status != EventStatus.CANCELLED,
                    EventSession.starts_at >= begin, EventSession.ends_at <= finish)
    held = db.session.execute(
        select(EventType.name_nl, func.count(func.distinct(Event.id)))
        .join(Event, Event.type_id == EventType.id).join(EventSession)
        .where(*held_session).group_by(EventType.name_nl)
        .order_by(EventType.name_nl)).all()
    present = (select(Attendance).join(EventSession, EventSession.id == Attendance.session_id)
               .join(Event, Event.id == EventSession.event_id)
               .where(*held_session, Attendance.state == AttendanceState.PRESENT))
    participants = db.session.scalar(
        present.with_only_columns(func.count(func.distinct(Registration.user_id)))
        .join(Registration, Registration.id == Attendance.registration_id)) or 0
    hours = db.session.scalar(
        present.with_only_columns(func.coalesce(func.sum(EventSession.net_hours), 0))) or 0
    grades = db.session.execute(
        select(EventType.name_nl, func.avg(EvaluationResponse.grade), func.count())
        .join(Event, Event.id == EvaluationResponse.event_id)
        .join(EventType, EventType.id == Event.type_id)
        .where(Event.region_id == region.id, EvaluationResponse.answered_on >= start,
               EvaluationResponse.answered_on < end).group_by(EventType.name_nl)).all()
    return {"held": [(name, count) for name, count in held], "participants": participants,
            "hours": float(hours),
            "grades": [(name, round(float(avg), 1), count) for name, avg, count in grades]}


def progress_report_pdf(region: Region, half_year: str) -> bytes:
    start, end = half_year_bounds(half_year)
    figures = leerhuis_figures(region, start, end)
    progress = progress_for(region, half_year)
    held_chart = charts.bar_chart(_("Activiteiten per soort"), [n for n, _c in figures["held"]],
                                  {"activiteiten": [c for _n, c in figures["held"]]},
                                  whole_numbers=True) \
        if figures["held"] else None
    grade_chart = charts.bar_chart(_("Gemiddeld rapportcijfer"),
                                   [n for n, *_r in figures["grades"]],
                                   {"cijfer": [g for _n, g, _c in figures["grades"]]},
                                   scale_max=10) \
        if figures["grades"] else None
    data = {
        "region": region.name,
        "half_year": _("%(year)s, halfjaar %(half)s", year=half_year[:4], half=half_year[-1]),
        "actions": [{"number": a.number, "title": a.title,
                     "measures": [m for m in a.measures.splitlines() if m.strip()],
                     "progress": progress[a.id]["region"] or _("Nog geen voortgang beschreven."),
                     "partners": [{"organisation": o.name, "text": t}
                                  for o, t in progress[a.id]["partners"]]}
                    for a in actions(region)],
        "held": [{"type": n, "count": c} for n, c in figures["held"]],
        "participants": figures["participants"],
        "hours": f"{figures['hours']:.1f}".replace(".", ","),
        "grades": [{"type": n, "average": f"{g:.1f}".replace(".", ","), "count": c}
                   for n, g, c in figures["grades"]],
        "held_chart": charts.data_uri(held_chart) if held_chart else "",
        "grade_chart": charts.data_uri(grade_chart) if grade_chart else "",
    }
    return pdf.write_pdf(pdf.render_html("progress_report.html", data))
