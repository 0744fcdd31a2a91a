"""The yearly programme: events (activities), their sessions, types, themes and doelgroepen."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
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
from leerhuis.models.regions import Region


class SkjCategory(enum.Enum):
    """How an activity can count for SKJ re-registration when it is not accredited."""

    INFORMEEL = "informeel_leren"
    REFLECTIE = "reflectie"
    GEEN = "geen"


class EventType(Model):
    """Built-in types (werkbezoek, casuïstiekbespreking, …) plus types a region adds."""

    __tablename__ = "event_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_nl: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    issues_certificate: Mapped[bool] = mapped_column(Boolean, default=True)
    skj_category: Mapped[SkjCategory] = mapped_column(
        str_enum(SkjCategory, "skj_category"), default=SkjCategory.INFORMEEL)
    # Case discussions may touch client information: their texts pass the anonymisation guard.
    handles_cases: Mapped[bool] = mapped_column(Boolean, default=False)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))

    def label(self, language: str = "nl") -> str:
        return self.name_en if language == "en" else self.name_nl


class Theme(Model):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class TargetGroup(Model):
    """Doelgroep: the professionals an activity is meant for."""

    __tablename__ = "target_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))


event_theme = Table(
    "event_theme", db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_target_group = Table(
    "event_target_group", db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("target_group_id", ForeignKey("target_group.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)
event_co_organiser = Table(
    "event_co_organiser", db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class EventStatus(enum.Enum):
    CONCEPT = "concept"
    SUBMITTED = "ingediend"
    PUBLISHED = "gepubliceerd"
    FINISHED = "afgerond"
    CANCELLED = "geannuleerd"


class VenueKind(enum.Enum):
    GEZINSHUIS = "gezinshuis"
    INSTELLING = "instelling"
    KANTOOR = "kantoor"
    GEMEENTEHUIS = "gemeentehuis"
    OVERIG = "overig"


class Event(Model):
    """One activity in the programme. A cohort training is one event with several sessions."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("max_per_organisation IS NULL OR max_per_organisation >= 1",
                        name="max_per_organisation_positive"),
        CheckConstraint("offer_hours IS NULL OR offer_hours >= 1", name="offer_hours_positive"),
        Index("ix_event_region_year_status", "region_id", "programme_year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    type_id: Mapped[int] = mapped_column(ForeignKey("event_type.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[EventStatus] = mapped_column(
        str_enum(EventStatus, "event_status"), default=EventStatus.CONCEPT)

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description_md: Mapped[str] = mapped_column(Text, default="")
    learning_goals: Mapped[str] = mapped_column(Text, default="")
    trainer: Mapped[str] = mapped_column(String(200), default="")
    # Case discussions only: an anonymous summary of the case, checked by the guard.
    case_summary: Mapped[str] = mapped_column(Text, default="")

    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")

    is_online: Mapped[bool] = mapped_column(Boolean, default=False)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    venue_name: Mapped[str] = mapped_column(String(160), default="")
    venue_kind: Mapped[VenueKind | None] = mapped_column(str_enum(VenueKind, "venue_kind"))
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")
    parking_notes: Mapped[str] = mapped_column(Text, default="")
    own_transport: Mapped[bool] = mapped_column(Boolean, default=True)

    capacity: Mapped[int | None] = mapped_column(Integer)
    max_per_organisation: Mapped[int | None] = mapped_column(Integer)
    # When set, a freed place is offered to the first in line for this many hours instead
    # of given outright; unanswered, it passes to the next person.
    offer_hours: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)

    is_accredited: Mapped[bool] = mapped_column(Boolean, default=False)
    accreditation_number: Mapped[str] = mapped_column(String(60), default="")
    accreditation_points: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    accreditation_valid_until: Mapped[date | None] = mapped_column(Date)

    open_to_other_regions: Mapped[bool] = mapped_column(Boolean, default=False)
    issues_certificate: Mapped[bool] = mapped_column(Boolean, default=True)

    # A casuïstiekbespreking coupled to a werkbezoek points at the werkbezoek.
    coupled_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), unique=True)
    duplicated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"))
    # Events created together from a recurrence pattern share this key.
    series_key: Mapped[str | None] = mapped_column(String(36), index=True)

    # Names, dates or places the guard found and the author confirmed: the Region checks them.
    privacy_review_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_findings: Mapped[list] = mapped_column(JSON, default=list)

    return_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After closing, attendance is final and certificates can be issued.
    attendance_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    type: Mapped[EventType] = relationship(lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation] = relationship()
    co_organisers: Mapped[list[Organisation]] = relationship(secondary=event_co_organiser)
    themes: Mapped[list[Theme]] = relationship(secondary=event_theme, order_by="Theme.name")
    target_groups: Mapped[list[TargetGroup]] = relationship(
        secondary=event_target_group, order_by="TargetGroup.name")
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", order_by="EventSession.starts_at", cascade="all, delete-orphan")
    coupled_to: Mapped[Event | None] = relationship(
        remote_side="Event.id", foreign_keys=[coupled_to_id], back_populates="coupled_discussion")
    coupled_discussion: Mapped[Event | None] = relationship(
        foreign_keys=[coupled_to_id], back_populates="coupled_to", uselist=False)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def starts_at(self) -> datetime | None:
        return self.sessions[0].starts_at if self.sessions else None

    @property
    def ends_at(self) -> datetime | None:
        return self.sessions[-1].ends_at if self.sessions else None

    @property
    def net_hours(self) -> Decimal:
        return sum((s.net_hours for s in self.sessions), Decimal(0))

    @property
    def is_cohort(self) -> bool:
        return len(self.sessions) > 1

    def organisation_ids(self) -> set[int]:
        return {self.organisation_id} | {o.id for o in self.co_organisers}

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


class EventSession(Model):
    """One meeting of an event: a date with start and end, and the net hours it counts for."""

    __tablename__ = "event_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("net_hours >= 0", name="net_hours_not_negative"),
        UniqueConstraint("ical_uid"),
        # An event's sessions in order: its first and last session are one index step
        # (Mijn Leerhuis, the programme), without sorting.
        Index("ix_event_session_event_id_starts_at", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Breaks, reception and travel excluded: what the certificate states.
    net_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # Stable across updates: calendar clients match invitations on it (RFC 5545 UID).
    ical_uid: Mapped[str] = mapped_column(String(80), default=lambda: f"{uuid.uuid4()}@leerhuis")
    # Raised on every material change (time, place, status) so calendars apply updates.
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Shown in the room (also as QR) for self check-in.
    checkin_code: Mapped[str | None] = mapped_column(String(12))

    event: Mapped[Event] = relationship(back_populates="sessions")


class ProgrammeStatus(enum.Enum):
    DRAFT = "concept"
    PUBLISHED = "gepubliceerd"


class ProgrammeYear(Model):
    """A region's programme for one calendar year. Until it is published, its events are
    visible to the Region and organisers only, even when each event is approved."""

    __tablename__ = "programme_year"
    __table_args__ = (UniqueConstraint("region_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[ProgrammeStatus] = mapped_column(
        str_enum(ProgrammeStatus, "programme_status"), default=ProgrammeStatus.DRAFT)
    introduction: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    region: Mapped[Region] = relationship()
