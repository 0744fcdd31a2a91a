"""The register of lessons learned from experts by experience.

Rules enforced here:
- every text passes the anonymisation guard: clear identifiers block saving; names,
  dates and places need the author's confirmation and flag the lesson for review;
- a quote needs recorded consent (who recorded it, when);
- the Region reviews before publishing; professionals only see published lessons of
  their region, and those other regions shared;
- organisators and the Region write lessons; evaluation answers may propose one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    AgendaAction,
    FollowUpStatus,
    Lesson,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    Theme,
    User,
    Visibility,
    utcnow,
)
from leerhuis.services import audit, lesson_search
from leerhuis.services.programme import guard_texts


class LessonError(DomainError):
    """The lesson is incomplete; ``errors`` holds a message per field."""


@dataclass
class LessonInput:
    title: str
    source: LessonSource
    kind: LessonKind
    phase: LessonPhase
    wanted_differently: str = ""
    what_was_good: str = ""
    earlier_prevention: str = ""
    quote: str = ""
    quote_consent: bool = False
    theme_ids: list[int] = field(default_factory=list)
    action_id: int | None = None
    follow_up_proposal: str = ""
    follow_up_owner: str = ""
    follow_up_status: FollowUpStatus = FollowUpStatus.OPEN
    visibility: Visibility = Visibility.REGION
    event_id: int | None = None
    privacy_confirmed: bool = False


def can_write(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_region_admin or user.is_organiser))


def check_privacy(data: LessonInput) -> list[dict]:
    return guard_texts({name: getattr(data, name) for name in Lesson.TEXT_FIELDS},
                       confirmed=data.privacy_confirmed)


def save_lesson(data: LessonInput, *, by: User, lesson: Lesson | None = None) -> Lesson:
    errors = {}
    if not data.title.strip():
        errors["title"] = _("Geef de les een korte titel.")
    if not (data.wanted_differently or data.what_was_good or data.earlier_prevention).strip():
        errors["wanted_differently"] = _("Beantwoord minstens één van de drie vragen.")
    if data.quote.strip() and not data.quote_consent:
        errors["quote_consent"] = _(
            "Een citaat mag alleen met toestemming van de ervaringsdeskundige.")
    if errors:
        raise LessonError(errors=errors)
    findings = check_privacy(data)
    # The Region reviews: its own edits of a published lesson keep it published.
    keeps_publication = (lesson is not None and lesson.status is LessonStatus.PUBLISHED
                         and by.is_region_admin and by.region_id == lesson.region_id)
    lesson = lesson or Lesson(region_id=by.region_id, created_by_id=by.id)
    for name in ("title", "source", "kind", "phase", "wanted_differently", "what_was_good",
                 "earlier_prevention", "quote", "follow_up_proposal", "follow_up_owner",
                 "follow_up_status", "visibility", "event_id"):
        value = getattr(data, name)
        setattr(lesson, name, value.strip() if isinstance(value, str) else value)
    if data.quote.strip() and not lesson.quote_consent:
        lesson.quote_consent_recorded_by_id = by.id
        lesson.quote_consent_at = utcnow()
    lesson.quote_consent = bool(data.quote.strip()) and data.quote_consent
    lesson.action_id = data.action_id
    lesson.themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(data.theme_ids))))
    lesson.privacy_findings = findings
    lesson.privacy_review_needed = bool(findings) and not keeps_publication
    lesson.status = LessonStatus.PUBLISHED if keeps_publication else LessonStatus.REVIEW
    db.session.add(lesson)
    db.session.flush()
    lesson_search.index_lesson(lesson)
    return lesson


def review(lesson: Lesson, *, publish: bool, by: User, note: str = "") -> None:
    if not (by.is_region_admin and by.region_id == lesson.region_id):
        raise PermissionError
    lesson.status = LessonStatus.PUBLISHED if publish else LessonStatus.REJECTED
    lesson.review_note = note.strip()
    lesson.privacy_review_needed = False
    if publish:
        lesson.published_at = utcnow()
    audit.record("lesson.published" if publish else "lesson.rejected", actor=by,
                 subject=f"lesson:{lesson.id}")


def can_edit(user: User, lesson: Lesson) -> bool:
    """The Region of the lesson at any time (including follow-up); the author until it is
    published."""
    if not user.is_authenticated:
        return False
    if user.is_region_admin and user.region_id == lesson.region_id:
        return True
    return lesson.created_by_id == user.id and lesson.status is not LessonStatus.PUBLISHED


def can_view(user: User, lesson: Lesson) -> bool:
    if user.is_authenticated and user.is_region_admin and user.region_id == lesson.region_id:
        return True
    if user.is_authenticated and lesson.created_by_id == user.id:
        return True
    if lesson.status is not LessonStatus.PUBLISHED or not user.is_authenticated:
        return False
    return lesson.region_id == user.region_id or lesson.visibility is Visibility.SHARED


def search(user: User, *, query: str = "", theme_slugs: Sequence[str] = (), phase: str = "",
           page: int = 1):
    stmt = (select(Lesson).where(Lesson.status == LessonStatus.PUBLISHED, or_(
        Lesson.region_id == user.region_id, Lesson.visibility == Visibility.SHARED))
        .options(selectinload(Lesson.themes))
        .order_by(Lesson.published_at.desc(), Lesson.id.desc()))
    if theme_slugs:
        stmt = stmt.where(Lesson.themes.any(Theme.slug.in_(list(theme_slugs))))
    if phase:
        stmt = stmt.where(Lesson.phase == LessonPhase(phase))
    stmt = lesson_search.matching(stmt, query)
    return db.paginate(stmt, page=page, per_page=20, error_out=False)


def review_queue(user: User) -> list[Lesson]:
    return list(db.session.scalars(select(Lesson).where(
        Lesson.region_id == user.region_id, Lesson.status == LessonStatus.REVIEW)
        .order_by(Lesson.created_at)))


def agenda_actions(user: User) -> list[AgendaAction]:
    return list(db.session.scalars(select(AgendaAction).where(
        AgendaAction.region_id == user.region_id).order_by(AgendaAction.number)))
