"""One-time form tokens: what the first submission of a creating form made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leerhuis.extensions import Model
from leerhuis.models.base import UTCDateTime, utcnow


class FormSubmission(Model):
    """A creating form carries a random token; its first submission records it here with
    what it created, so a second submission of the same form (a double click, a resent
    POST) finds that instead of creating a duplicate."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    # The table of what was created (event, klankbord_meeting, lesson) and its id.
    kind: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
