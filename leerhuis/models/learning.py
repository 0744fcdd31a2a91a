"""What the Leerhuis learns: klankbordgroepen and their meetings, the uitvoeringsagenda,
the register of lessons from experts by experience, and anonymous evaluations."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leerhuis.extensions import Model, db
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.organisations import Organisation
from leerhuis.models.people import User
from leerhuis.models.programme import Event, Theme


class GroupType(enum.Enum):
    PARTNERS = "partners"
    AMBTELIJK = "ambtelijk"
    OUDERS_JEUGD = "ouders_jeugd"


class KlankbordGroup(Model):
    __tablename__ = "klankbord_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    type: Mapped[GroupType] = mapped_column(str_enum(GroupType, "klankbord_group_type"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    meetings_per_year: Mapped[int] = mapped_column(Integer, default=2)
    description: Mapped[str] = mapped_column(Text, default="")

    chair: Mapped[User | None] = relationship()
    members: Mapped[list[KlankbordMember]] = relationship(back_populates="group",
                                                          cascade="all, delete-orphan")
    meetings: Mapped[list[KlankbordMeeting]] = relationship(back_populates="group",
                                                            cascade="all, delete-orphan")


class KlankbordMember(Model):
    __tablename__ = "klankbord_member"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("klankbord_group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[KlankbordGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class KlankbordMeeting(Model):
    """A meeting is an event of type klankbordgroep: invitations and calendars as usual."""

    __tablename__ = "klankbord_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("klankbord_group.id", ondelete="CASCADE"),
                                          index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    minutes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")

    group: Mapped[KlankbordGroup] = relationship(back_populates="meetings")
    event: Mapped[Event] = relationship()
    agenda_items: Mapped[list[MeetingAgendaItem]] = relationship(
        order_by="MeetingAgendaItem.position", cascade="all, delete-orphan")
    documents: Mapped[list[MeetingDocument]] = relationship(cascade="all, delete-orphan")
    action_items: Mapped[list[ActionItem]] = relationship(order_by="ActionItem.due_date",
                                                          cascade="all, delete-orphan")


class MeetingAgendaItem(Model):
    __tablename__ = "meeting_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("klankbord_meeting.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))


class MeetingDocument(Model):
    __tablename__ = "meeting_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("klankbord_meeting.id", ondelete="CASCADE"),
                                            index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActionStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_behandeling"
    DONE = "afgerond"


class ActionItem(Model):
    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("klankbord_meeting.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(160), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(str_enum(ActionStatus, "action_item_status"),
                                                 default=ActionStatus.OPEN)


class AgendaAction(Model):
    """An action of the region's uitvoeringsagenda ("Actie 1 Faciliteren toegang …")."""

    __tablename__ = "agenda_action"
    __table_args__ = (UniqueConstraint("region_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    measures: Mapped[str] = mapped_column(Text, default="")  # one measure per line


class ActionProgress(Model):
    """Per half-year ('2026-H2'): the Region's progress text, or a partner's contribution."""

    __tablename__ = "action_progress"
    __table_args__ = (UniqueConstraint("action_id", "half_year", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("agenda_action.id", ondelete="CASCADE"),
                                           index=True)
    half_year: Mapped[str] = mapped_column(String(7))
    # Empty for the Region's own progress text; set for a partner's contribution.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    action: Mapped[AgendaAction] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class LessonSource(enum.Enum):
    SPIEGELBIJEENKOMST = "spiegelbijeenkomst"
    GESPREK = "gesprek_jongeren_ouders"
    OUDERS_JEUGD = "klankbordgroep_ouders_jeugd"
    CASUISTIEK = "casuistiekbespreking"
    EVALUATIE = "evaluatie"


class LessonPhase(enum.Enum):
    PREVENTIE = "preventie"
    INSTROOM = "instroom"
    STABILISATIE = "stabilisatie"
    UITSTROOM = "uitstroom"


class LessonKind(enum.Enum):
    ATTENTION = "aandachtspunt"
    POSITIVE = "positief_punt"


class FollowUpStatus(enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_behandeling"
    IN_AGENDA = "verwerkt_in_agenda"
    REJECTED = "afgewezen"


class LessonStatus(enum.Enum):
    CONCEPT = "concept"
    REVIEW = "ter_beoordeling"
    PUBLISHED = "gepubliceerd"
    REJECTED = "afgewezen"


class Visibility(enum.Enum):
    REGION = "regio"
    SHARED = "gedeeld"


lesson_theme = Table(
    "lesson_theme", db.metadata,
    Column("lesson_id", ForeignKey("lesson.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Lesson(Model):
    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[LessonSource] = mapped_column(str_enum(LessonSource, "lesson_source"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    wanted_differently: Mapped[str] = mapped_column(Text, default="")
    what_was_good: Mapped[str] = mapped_column(Text, default="")
    earlier_prevention: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[LessonKind] = mapped_column(str_enum(LessonKind, "lesson_kind"))
    quote: Mapped[str] = mapped_column(Text, default="")
    quote_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    quote_consent_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    quote_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phase: Mapped[LessonPhase] = mapped_column(str_enum(LessonPhase, "lesson_phase"))
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_action.id", ondelete="SET NULL"))
    follow_up_proposal: Mapped[str] = mapped_column(Text, default="")
    follow_up_owner: Mapped[str] = mapped_column(String(160), default="")
    follow_up_status: Mapped[FollowUpStatus] = mapped_column(
        str_enum(FollowUpStatus, "follow_up_status"), default=FollowUpStatus.OPEN)
    status: Mapped[LessonStatus] = mapped_column(str_enum(LessonStatus, "lesson_status"),
                                                 default=LessonStatus.REVIEW)
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility, "lesson_visibility"),
                                                   default=Visibility.REGION)
    privacy_review_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_findings: Mapped[list] = mapped_column(JSON, default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")
    # Dutch-stemmed words of all texts: what the SQLite full-text index holds.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    themes: Mapped[list[Theme]] = relationship(secondary=lesson_theme, order_by="Theme.name")
    action: Mapped[AgendaAction | None] = relationship()
    event: Mapped[Event | None] = relationship()

    TEXT_FIELDS = ("title", "wanted_differently", "what_was_good", "earlier_prevention", "quote",
                   "follow_up_proposal")


def _random_id() -> str:
    return uuid.uuid4().hex


# Stored in primary-key order on SQLite (no rowid): the order of the rows on disk is random,
# not the order in which people answered.
_UNORDERED = {"sqlite_with_rowid": False}


class EvaluationResponse(Model):
    """An anonymous answer: deliberately no reference to a person, registration or token, a
    random id instead of a counter, and only the date, so an answer cannot be tied back to
    who gave it (by id order, by time, or by the moment a link was used)."""

    __tablename__ = "evaluation_response"
    __table_args__ = (_UNORDERED,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    answered_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[int] = mapped_column(Integer)
    usefulness: Mapped[int] = mapped_column(Integer)
    do_differently: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")


class EvaluationToken(Model):
    """One evaluation link, by the SHA-256 of its random token: the link itself is only in
    the invitation mail. Deliberately no registration or person: that someone was invited is
    kept on the registration (Registration.evaluation_invited), and nothing joins the two."""

    __tablename__ = "evaluation_token"
    __table_args__ = (_UNORDERED,)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    expires_on: Mapped[date] = mapped_column(Date)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
