"""Registrations for events: confirmed places and the waiting list."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leerhuis.extensions import Model
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.organisations import Organisation
from leerhuis.models.people import User
from leerhuis.models.programme import Event


class RegistrationStatus(enum.Enum):
    CONFIRMED = "bevestigd"
    WAITLISTED = "wachtlijst"
    # First in line on an event that offers freed places for a limited time: the place is
    # held for them until ``offered_until``, then passes to the next person.
    OFFERED = "aangeboden"
    CANCELLED = "afgemeld"


ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                   RegistrationStatus.OFFERED)
# A held offer occupies a place just like a confirmation: capacity counts both.
SEAT_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


class Registration(Model):
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
    offered_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # This attendee's own part of the calendar SEQUENCE (RFC 5546): raised when they
    # unregister and when they register again, so their CANCEL and a later REQUEST each
    # outrank what they got before, without touching anyone else's calendar.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # That this person got an evaluation link (one each). Which link is not kept: the
    # answer must not be traceable to them.
    evaluation_invited: Mapped[bool] = mapped_column(Boolean, default=False,
                                                     server_default=false())

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()

    def session_sequence(self, session) -> int:
        """The SEQUENCE this attendee's calendar holds for ``session``: the session's own
        counter (material changes, seen by all) plus this attendee's counter. Both only
        rise, so every message this person gets outranks the one before."""
        return session.ical_sequence + (self.calendar_sequence or 0)


class SessionReminder(Model):
    """A reminder sent to one registration for one session: each session of a cohort is
    reminded once."""

    __tablename__ = "session_reminder"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_session.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
