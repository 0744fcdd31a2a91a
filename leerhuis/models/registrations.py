"""Registrations for events: confirmed places and the waiting list."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leerhuis.extensions import db
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.organisations import Organisation
from leerhuis.models.people import User
from leerhuis.models.programme import Event


class RegistrationStatus(enum.Enum):
    CONFIRMED = "bevestigd"
    WAITLISTED = "wachtlijst"
    CANCELLED = "afgemeld"


ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class Registration(db.Model):
    """One person's registration for one event (all sessions of a cohort at once)."""

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_registration_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "registration_status"))
    # Snapshots at registration time: the per-organisation maximum and the registration
    # list use what was true then, even if the profile changes later.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    function: Mapped[str] = mapped_column(String(120), default="")
    municipality_name: Mapped[str] = mapped_column(String(120), default="")
    skj_number: Mapped[str | None] = mapped_column(String(20))
    diet: Mapped[str] = mapped_column(String(300), default="")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    consent_share_name: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Waiting-list order: the moment the person joined the list.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
