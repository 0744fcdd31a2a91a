"""Attendance per participant per session, with its history, and issued certificates."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leerhuis.extensions import Model
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.people import User
from leerhuis.models.programme import Event, EventSession
from leerhuis.models.registrations import Registration


class AttendanceState(enum.Enum):
    PRESENT = "aanwezig"
    ABSENT = "afwezig"
    EXCUSED = "afgemeld"


class AttendanceSource(enum.Enum):
    ORGANISER = "organisator"
    SELF_CHECKIN = "zelf"
    ALL_PRESENT = "iedereen_aanwezig"


class Attendance(Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("event_session.id", ondelete="CASCADE"), index=True)
    state: Mapped[AttendanceState] = mapped_column(str_enum(AttendanceState, "attendance_state"))
    source: Mapped[AttendanceSource] = mapped_column(
        str_enum(AttendanceSource, "attendance_source"))
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
    session: Mapped[EventSession] = relationship()


class AttendanceChange(Model):
    """Every change of an attendance mark: who, when, from what to what."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(
        ForeignKey("attendance.id", ondelete="CASCADE"), index=True)
    # Distinct names: each column gets its own CHECK constraint.
    old_state: Mapped[AttendanceState | None] = mapped_column(
        str_enum(AttendanceState, "old_attendance_state"))
    new_state: Mapped[AttendanceState] = mapped_column(
        str_enum(AttendanceState, "new_attendance_state"))
    source: Mapped[AttendanceSource] = mapped_column(
        str_enum(AttendanceSource, "attendance_source"))
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()


class CertificateStatus(enum.Enum):
    VALID = "geldig"
    REVOKED = "ingetrokken"


class Certificate(Model):
    """A bewijs van deelname as issued. The facts are copied in, so the certificate stays
    verifiable (and its PDF identical) after the account or event changes or goes."""

    __tablename__ = "certificate"
    __table_args__ = (
        Index("ix_certificate_event_status", "event_id", "status"),
        # At most one valid certificate per registration, even if two runs race.
        Index("uq_certificate_valid_registration", "registration_id", unique=True,
              sqlite_where=text("status = 'geldig'"), postgresql_where=text("status = 'geldig'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    participant_name: Mapped[str] = mapped_column(String(200))
    skj_number: Mapped[str | None] = mapped_column(String(20))
    event_title: Mapped[str] = mapped_column(String(200))
    event_type_label: Mapped[str] = mapped_column(String(80))
    activity_dates: Mapped[str] = mapped_column(String(500))
    first_date: Mapped[datetime] = mapped_column(UTCDateTime)
    net_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    skj_points: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    accreditation_number: Mapped[str] = mapped_column(String(60), default="")
    skj_category: Mapped[str] = mapped_column(String(40))
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus, "certificate_status"), default=CertificateStatus.VALID)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_run.id", ondelete="SET NULL"), index=True)
    # A werkbezoek's certificate that also covers its coupled casuïstiekbespreking names it
    # here, so the discussion is never on two certificates, nor on none.
    coupled_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), index=True)

    event: Mapped[Event | None] = relationship(foreign_keys=[event_id])
    registration: Mapped[Registration | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class RunStatus(enum.Enum):
    QUEUED = "wachtend"
    RUNNING = "bezig"
    DONE = "klaar"
    FAILED = "mislukt"


class CertificateRun(Model):
    """One bulk issue of an event's certificates, run by the background worker."""

    __tablename__ = "certificate_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "run_status"),
                                              default=RunStatus.QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker that runs it holds a lease: it renews heartbeat_at with every batch. A run
    # whose heartbeat is older than the lease lost its worker (killed, restarted) and is
    # taken over; lease_token tells the holder whether it still holds it.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))

    event: Mapped[Event] = relationship()
