"""Invitations to one event or to a year's programme, sent in the background."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leerhuis.extensions import Model
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.mail import OutboxMessage
from leerhuis.models.people import User
from leerhuis.models.programme import Event


class BatchStatus(enum.Enum):
    QUEUED = "wachtend"
    RUNNING = "bezig"
    DONE = "klaar"


class InvitationBatch(Model):
    __tablename__ = "invitation_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # One event, or (event_id empty) the published programme of ``programme_year``.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"),
                                                 index=True)
    programme_year: Mapped[int | None] = mapped_column(Integer)
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus, "invitation_batch_status"),
                                                default=BatchStatus.QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    invitations: Mapped[list[Invitation]] = relationship(back_populates="batch",
                                                         order_by="Invitation.id")


class Invitation(Model):
    """One personal invitation; its delivery status is that of its outbox message."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("batch_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("invitation_batch.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"))

    batch: Mapped[InvitationBatch] = relationship(back_populates="invitations")
    user: Mapped[User | None] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()
