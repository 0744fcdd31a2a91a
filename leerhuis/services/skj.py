"""Each professional's SKJ overview: attended activities grouped by how they count.

Rules (domain brief §3; 1 point = 1 net hour):
- registration periods last 5 years;
- kamer jeugd- en gezinsprofessionals: 60 points deskundigheidsbevordering, at least 40
  formeel leren (accredited points) and at most 20 informeel leren counted; reflection
  (intervisie) hours are shown apart;
- gedragswetenschappers: 40 points overige deskundigheidsbevordering (vrije ruimte);
- the former kamer jeugdzorgwerkers: 50 points vrije ruimte;
- reflection (intervisie/supervisie) counts per session of at least one net hour;
- periods are counted from the start stored on the profile (SKJ registration date), also
  backwards for older activities; a period starting on 29 February ends, five years on,
  at the end of 28 February (the next one starts on 1 March);
- only sessions recorded as present count.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.formatting import format_day
from leerhuis.models import (
    Attendance,
    AttendanceState,
    Certificate,
    CertificateStatus,
    Event,
    EventSession,
    Registration,
    SkjCategory,
    SkjKamer,
    User,
)
from leerhuis.services import attendance, certificates, spreadsheets, visibility
from leerhuis.services.programme import AMSTERDAM

PERIOD_YEARS = 5
ZERO = Decimal(0)
REFLECTION_MINIMUM = Decimal(1)  # hours per intervisie/supervisie session


class SkjError(DomainError):
    """The SKJ registration period cannot start on that date."""


@dataclass(frozen=True)
class Norm:
    total: Decimal
    formal_minimum: Decimal | None = None
    informal_maximum: Decimal | None = None
    free_space: bool = False  # everything counts as vrije ruimte


NORMS = {
    SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS: Norm(Decimal(60), Decimal(40), Decimal(20)),
    SkjKamer.GEDRAGSWETENSCHAPPERS: Norm(Decimal(40), free_space=True),
    SkjKamer.JEUGDZORGWERKERS: Norm(Decimal(50), free_space=True),
}


@dataclass
class Activity:
    title: str
    type_label: str
    first_date: date
    hours: Decimal
    category: str  # formeel | informeel | reflectie
    points: Decimal
    accreditation_number: str
    certificate_code: str | None


@dataclass
class Period:
    start: date
    end: date  # exclusive
    kamer: SkjKamer
    activities: list[Activity] = field(default_factory=list)

    @property
    def last_day(self) -> date:
        """The period's last day, for 't/m' labels (``end`` itself is the next period's)."""
        return self.end - timedelta(days=1)

    @property
    def norm(self) -> Norm:
        return NORMS[self.kamer]

    def _sum(self, category: str) -> Decimal:
        return sum((a.points for a in self.activities if a.category == category), ZERO)

    @property
    def formal(self) -> Decimal:
        return self._sum("formeel")

    @property
    def informal(self) -> Decimal:
        return self._sum("informeel")

    @property
    def reflection(self) -> Decimal:
        return self._sum("reflectie")

    @property
    def informal_counted(self) -> Decimal:
        cap = self.norm.informal_maximum
        return self.informal if cap is None else min(self.informal, cap)

    @property
    def counted(self) -> Decimal:
        if self.norm.free_space:
            return self.formal + self.informal
        return self.formal + self.informal_counted

    @property
    def formal_short(self) -> Decimal:
        minimum = self.norm.formal_minimum
        return max(minimum - self.formal, ZERO) if minimum is not None else ZERO

    @property
    def remaining(self) -> Decimal:
        return max(self.norm.total - self.counted, ZERO)

    @property
    def percent(self) -> int:
        return int(min(self.counted / self.norm.total, Decimal(1)) * 100)

    @property
    def met(self) -> bool:
        return self.remaining == ZERO and self.formal_short == ZERO


def attended_activities(user: User) -> list[Activity]:
    """One line per event with present sessions, classified by how it counts."""
    rows = db.session.execute(
        select(Registration, EventSession)
        .join(Attendance, Attendance.registration_id == Registration.id)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(Registration.user_id == user.id, Attendance.state == AttendanceState.PRESENT)
        .options(selectinload(Registration.event).selectinload(Event.sessions))
        .order_by(EventSession.starts_at)).all()
    by_registration: dict[int, tuple[Registration, list[EventSession]]] = {}
    for registration, session in rows:
        by_registration.setdefault(registration.id, (registration, []))[1].append(session)
    certificates = {c.registration_id: c.code for c in db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id,
                                  Certificate.status == CertificateStatus.VALID))}
    activities = []
    for registration, sessions in by_registration.values():
        event = registration.event
        hours = sum((s.net_hours for s in sessions), ZERO)
        complete = len(sessions) == len(event.sessions)
        if event.is_accredited and complete:
            category, points = "formeel", event.accreditation_points or hours
        elif event.type.skj_category is SkjCategory.REFLECTIE:
            category = "reflectie"
            points = sum((s.net_hours for s in sessions if s.net_hours >= REFLECTION_MINIMUM),
                         ZERO)
        elif event.type.skj_category is SkjCategory.GEEN:
            continue
        else:
            category, points = "informeel", hours
        activities.append(Activity(
            title=event.title, type_label=event.type.name_nl,
            first_date=sessions[0].starts_at.astimezone(AMSTERDAM).date(), hours=hours,
            category=category, points=points,
            accreditation_number=event.accreditation_number if category == "formeel" else "",
            certificate_code=certificates.get(registration.id)))
    return activities


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier); 29 February becomes 1 March in
    a year without it, so the period before still contains all of February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def periods(user: User, period_start: date | None = None, today: date | None = None
            ) -> list[Period]:
    """5-year periods, newest first, counted from ``period_start``, else the start stored on
    the profile, else 1 January of the first year with an activity. Periods run up to
    today and back to the oldest activity; each period's bounds follow from the start."""
    today = today or date.today()
    activities = attended_activities(user)
    kamer = user.skj_kamer or SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS
    anchor = period_start or user.skj_period_start or (
        date(min(a.first_date for a in activities).year, 1, 1)
        if activities else date(today.year, 1, 1))
    oldest = min((a.first_date for a in activities), default=anchor)
    first = 0
    while add_years(anchor, first * PERIOD_YEARS) > oldest:
        first -= 1
    result = []
    index = first
    while True:
        start = add_years(anchor, index * PERIOD_YEARS)
        if start > today and index > 0:
            break
        end = add_years(anchor, (index + 1) * PERIOD_YEARS)
        result.append(Period(start, end, kamer,
                             [a for a in activities if start <= a.first_date < end]))
        index += 1
    return sorted(result, key=lambda p: p.start, reverse=True)


def set_period_start(user: User, start: date | None, *, today: date | None = None) -> None:
    """Store the start of the professional's SKJ registration period (None: forget it)."""
    today = today or date.today()
    if start is not None and start > today:
        raise SkjError(_("De registratieperiode kan niet in de toekomst beginnen."))
    if start is not None and start < date(1990, 1, 1):
        raise SkjError(_("Vul de datum in waarop je SKJ-registratie begon."))
    user.skj_period_start = start


CATEGORY_LABELS = {"formeel": _l("formeel leren (geaccrediteerd)"),
                   "informeel": _l("informeel leren / vrije ruimte"), "reflectie": _l("reflectie")}
KAMER_LABELS = {SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS: _l("jeugd- en gezinsprofessionals"),
                SkjKamer.GEDRAGSWETENSCHAPPERS: _l("gedragswetenschappers"),
                SkjKamer.JEUGDZORGWERKERS: _l("jeugdzorgwerkers")}


def as_csv(user: User, period_list: list[Period]) -> str:
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out)
    writer.writerow(["periode", "datum", "activiteit", "soort", "categorie", "netto uren",
                     "punten", "accreditatienummer", "certificaatnummer"])
    for period in period_list:
        label = f"{period.start:%d-%m-%Y} t/m {period.last_day:%d-%m-%Y}"
        for a in period.activities:
            writer.writerow([label, f"{a.first_date:%d-%m-%Y}", a.title, a.type_label,
                             CATEGORY_LABELS[a.category], str(a.hours).replace(".", ","),
                             str(a.points).replace(".", ","), a.accreditation_number,
                             a.certificate_code or ""])
    return out.getvalue()


def pdf_data(user: User, period_list: list[Period]) -> dict:
    def num(value: Decimal) -> str:
        return f"{value.normalize():f}".replace(".", ",")

    return {
        "name": user.full_name,
        "skj_number": user.skj_number or _("niet opgegeven"),
        "kamer": str(KAMER_LABELS[user.skj_kamer or SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS]),
        "periods": [{
            "label": _("%(start)s t/m %(end)s", start=format_day(p.start, "medium"),
                       end=format_day(p.last_day, "medium")),
            "norm": num(p.norm.total), "counted": num(p.counted), "formal": num(p.formal),
            "informal": num(p.informal), "informal_counted": num(p.informal_counted),
            "reflection": num(p.reflection), "remaining": num(p.remaining),
            "free_space": p.norm.free_space,
            "formal_minimum": num(p.norm.formal_minimum) if p.norm.formal_minimum else "",
            "activities": [{"date": format_day(a.first_date, "medium"), "title": a.title,
                            "category": str(CATEGORY_LABELS[a.category]), "points": num(a.points),
                            "code": a.certificate_code or ""} for a in p.activities],
        } for p in period_list],
    }


PROVIDER_HEADER = ["SKJ-registratienummer", "achternaam", "voornaam", "datum",
                   "accreditatienummer", "punten"]


def provider_points_csv(event: Event, viewer: User) -> tuple[str, int]:
    """The provider's list for Mijn SKJ of an accredited training: one line per participant
    who earned the points (present at every session), with the name and SKJ number that
    ``visibility.skj_points_view`` gives the organiser for this purpose only. Returns the
    CSV text and the number of lines."""
    first = event.sessions[0].starts_at.astimezone(AMSTERDAM) if event.sessions else None
    # An accredited training states its points (programme validation); none: an empty cell.
    points = (f"{event.accreditation_points.normalize():f}".replace(".", ",")
              if event.accreditation_points is not None else "")
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out)
    writer.writerow(PROVIDER_HEADER)
    count = 0
    for registration in attendance.confirmed_registrations(event):
        view = visibility.skj_points_view(registration, viewer)
        if view is None or not certificates.parts_for(registration):
            continue
        writer.writerow([view.skj_number, view.last_name, view.first_name,
                         f"{first:%d-%m-%Y}" if first else "", event.accreditation_number, points])
        count += 1
    return out.getvalue(), count
