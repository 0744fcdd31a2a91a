"""Evaluations after every activity, anonymous by construction.

Rules enforced here:
- every participant recorded as present gets one personal link, usable once: a random token
  of which only the SHA-256 is stored, with the event and nothing about the person (the
  registration only records *that* it was invited). A link cannot be traced back to whom it
  was sent without the mail itself;
- the answer is stored without any reference to the person, registration or token, with a
  random id and its date only;
- organisers see the results of their own activities, the Region sees everything, with
  averages per type, theme and organiser and per year.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import date, timedelta
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceState,
    EvaluationResponse,
    EvaluationToken,
    Event,
    EventSession,
    EventType,
    Lesson,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    Organisation,
    Registration,
    RegistrationStatus,
    Theme,
    utcnow,
)
from leerhuis.models.programme import event_theme
from leerhuis.services import lesson_search, outbox, spreadsheets
from leerhuis.services.links import external_url
from leerhuis.services.programme import guard_texts
from leerhuis.services.tokens import TokenError, read_token

TOKEN_DAYS = 60
# Links of before the random tokens: signed, they named the registration. They no longer
# open the form (reading one only tells it apart from a mistyped link).
OLD_LINK_AGE = 10 * 365 * 24 * 3600


class EvaluationError(DomainError):
    """The evaluation link is not (or no longer) valid, or an answer is out of range."""


def was_present(registration: Registration) -> bool:
    return db.session.scalar(select(Attendance.id).where(
        Attendance.registration_id == registration.id,
        Attendance.state == AttendanceState.PRESENT).limit(1)) is not None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def invite(registration: Registration) -> str | None:
    """A new single-use evaluation link for a present participant who has not had one; None
    for anyone else. Only the link's hash is stored, with the event: not the registration."""
    if (registration.evaluation_invited or registration.status is not RegistrationStatus.CONFIRMED
            or not was_present(registration)):
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(EvaluationToken(token_hash=token_hash(token), event_id=registration.event_id,
                                   expires_on=date.today() + timedelta(days=TOKEN_DAYS),
                                   used=False))
    registration.evaluation_invited = True
    return external_url("evaluations.answer", token=token)


def event_for_token(token: str) -> Event:
    """The activity a link evaluates, while the link is unused and not expired."""
    link = db.session.get(EvaluationToken, token_hash(token))
    if link is None:
        if _is_old_signed_link(token):
            raise EvaluationError(_("Deze link is niet meer geldig. Om evaluaties echt anoniem te "
                                    "maken werken we met nieuwe links; deze oude link kan niet "
                                    "meer worden gebruikt."))
        raise EvaluationError(_("Deze evaluatielink is ongeldig of verlopen."))
    if link.used:
        raise EvaluationError(_("Je hebt deze activiteit al geëvalueerd. Dank je wel!"))
    if link.expires_on < date.today():
        raise EvaluationError(_("Deze evaluatielink is ongeldig of verlopen."))
    return db.session.get_one(Event, link.event_id)  # the link goes with its event (CASCADE)


def _is_old_signed_link(token: str) -> bool:
    try:
        read_token("evaluation", token, OLD_LINK_AGE)
    except TokenError:
        return False
    return True


def answer(token: str, *, grade: int, usefulness: int, do_differently: str,
           suggestions: str, lesson: str = "", privacy_confirmed: bool = False
           ) -> EvaluationResponse:
    """Store an anonymous answer and use up its link. Its free texts pass the anonymisation
    guard (participants may write about cases); an optional lesson enters the register for
    the Region's review, without an author."""
    event = event_for_token(token)
    if not 1 <= grade <= 10 or not 1 <= usefulness <= 5:
        raise EvaluationError(_("Geef een cijfer van 1 tot 10 en een bruikbaarheid van 1 tot 5."))
    findings = guard_texts({"do_differently": do_differently, "suggestions": suggestions,
                            "lesson": lesson}, confirmed=privacy_confirmed)
    # Used up in one statement: of two answers sent at once with one link, one counts.
    # DML through Session.execute returns a CursorResult; the Result type has no rowcount.
    used = cast(CursorResult[Any], db.session.execute(
        update(EvaluationToken)
        .where(EvaluationToken.token_hash == token_hash(token), EvaluationToken.used.is_(False))
        .values(used=True).execution_options(synchronize_session=False)))
    if used.rowcount != 1:
        raise EvaluationError(_("Je hebt deze activiteit al geëvalueerd. Dank je wel!"))
    if lesson.strip():
        _propose_lesson(event, lesson.strip(), [f for f in findings if f["field"] == "lesson"])
    response = EvaluationResponse(event_id=event.id, answered_on=date.today(),
                                  grade=grade, usefulness=usefulness,
                                  do_differently=do_differently.strip(),
                                  suggestions=suggestions.strip())
    db.session.add(response)
    return response


def _propose_lesson(event: Event, text: str, findings: list[dict]) -> Lesson:
    lesson = Lesson(region_id=event.region_id, title=f"Uit de evaluatie van {event.title}"[:200],
                    source=LessonSource.EVALUATIE, event_id=event.id, kind=LessonKind.ATTENTION,
                    phase=LessonPhase.PREVENTIE, wanted_differently=text,
                    status=LessonStatus.REVIEW, privacy_findings=findings,
                    privacy_review_needed=bool(findings), themes=list(event.themes))
    db.session.add(lesson)
    db.session.flush()
    lesson_search.index_lesson(lesson)
    return lesson


def send_due_invitations(now=None) -> int:
    """The day after an activity: one evaluation mail per present participant, once."""
    now = now or utcnow()
    ended = (select(EventSession.event_id).group_by(EventSession.event_id)
             .having(func.max(EventSession.ends_at) <= now - timedelta(hours=12))
             .having(func.max(EventSession.ends_at) > now - timedelta(days=14)))
    candidates = list(db.session.scalars(
        select(Registration).where(Registration.event_id.in_(ended),
                                   Registration.status == RegistrationStatus.CONFIRMED,
                                   Registration.evaluation_invited.is_(False))))
    # Links are made in no particular order: the order of the stored hashes must not follow
    # the order of the registrations.
    secrets.SystemRandom().shuffle(candidates)
    sent = 0
    for registration in candidates:
        if registration.user is None:
            continue
        link = invite(registration)
        if link is None:
            continue
        user = registration.user
        outbox.queue_template_mail(
            "evaluation_invite", to=user.email, user=user, kind="evaluation",
            subject=outbox.in_language_of(user, _l("Hoe was het?"))
            + f" {registration.event.title}", event=registration.event, link=link)
        sent += 1
    return sent


# Below this many answers an organiser of a small group could tell who wrote what.
MIN_RESPONSES_SHOWN = 3


def results(event: Event) -> dict:
    """Averages and free texts of one activity, shown only from MIN_RESPONSES_SHOWN answers."""
    rows = db.session.scalars(select(EvaluationResponse).where(
        EvaluationResponse.event_id == event.id).order_by(EvaluationResponse.id)).all()
    count = len(rows)
    if count < MIN_RESPONSES_SHOWN:
        rows = []
    return {
        "count": count,
        "shown": bool(rows),
        "minimum": MIN_RESPONSES_SHOWN,
        "grade": round(sum(r.grade for r in rows) / len(rows), 1) if rows else None,
        "usefulness": round(sum(r.usefulness for r in rows) / len(rows), 1) if rows else None,
        "distribution": {g: sum(1 for r in rows if r.grade == g) for g in range(1, 11)},
        # Free texts in a fixed order unrelated to who answered.
        "do_differently": sorted(r.do_differently for r in rows if r.do_differently),
        "suggestions": sorted(r.suggestions for r in rows if r.suggestions),
    }


def averages(region_id: int, grouping: str) -> list[tuple[str, float, float, int]]:
    base = (select(EvaluationResponse.grade, EvaluationResponse.usefulness,
                   EvaluationResponse.event_id, EvaluationResponse.answered_on)
            .join(Event, Event.id == EvaluationResponse.event_id)
            .where(Event.region_id == region_id))
    label: InstrumentedAttribute[Any]
    if grouping == "soort":
        label = EventType.name_nl
        stmt = base.add_columns(label).join(EventType, EventType.id == Event.type_id)
    elif grouping == "organisator":
        label = Organisation.name
        stmt = base.add_columns(label).join(Organisation, Organisation.id == Event.organisation_id)
    elif grouping == "thema":
        label = Theme.name
        stmt = base.add_columns(label).join(event_theme, event_theme.c.event_id == Event.id) \
            .join(Theme, Theme.id == event_theme.c.theme_id)
    elif grouping == "jaar":
        label = Event.programme_year
        stmt = base.add_columns(label)
    else:
        raise KeyError(grouping)
    sub = stmt.subquery()
    rows = db.session.execute(
        select(sub.c[list(sub.c.keys())[-1]], func.avg(sub.c.grade), func.avg(sub.c.usefulness),
               func.count()).group_by(sub.c[list(sub.c.keys())[-1]])
        .order_by(sub.c[list(sub.c.keys())[-1]])).all()
    return [(str(r[0]), round(float(r[1]), 1), round(float(r[2]), 1), r[3]) for r in rows]


def export_csv(region_id: int) -> str:
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out)
    writer.writerow(["activiteit", "soort", "datum antwoord", "rapportcijfer", "bruikbaarheid",
                     "wat ik anders ga doen", "suggesties"])
    for response, title, type_name in db.session.execute(
            select(EvaluationResponse, Event.title, EventType.name_nl)
            .join(Event, Event.id == EvaluationResponse.event_id)
            .join(EventType, EventType.id == Event.type_id)
            .where(Event.region_id == region_id).order_by(Event.title, EvaluationResponse.grade)):
        writer.writerow([title, type_name, response.answered_on.isoformat(), response.grade,
                         response.usefulness, response.do_differently, response.suggestions])
    return "\ufeff" + out.getvalue()
