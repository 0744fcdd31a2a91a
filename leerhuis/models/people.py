"""Users (professionals) and the roles they hold."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, validates

from leerhuis.extensions import Model
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.organisations import ApprovalStatus, Organisation
from leerhuis.models.regions import Municipality, Region


class SkjKamer(enum.Enum):
    """The SKJ chamber decides how an activity counts towards re-registration."""

    JEUGD_EN_GEZINSPROFESSIONALS = "jeugd_en_gezinsprofessionals"
    GEDRAGSWETENSCHAPPERS = "gedragswetenschappers"
    JEUGDZORGWERKERS = "jeugdzorgwerkers"


class User(UserMixin, Model):
    __tablename__ = "user_account"
    __table_args__ = (
        # E-mail is stored lower-cased; the functional index also guards direct inserts.
        Index("uq_user_account_email_lower", text("lower(email)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(120))
    function: Mapped[str] = mapped_column(String(120), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    skj_number: Mapped[str | None] = mapped_column(String(20))
    skj_kamer: Mapped[SkjKamer | None] = mapped_column(str_enum(SkjKamer, "skj_kamer"))
    # Start of the current 5-year SKJ registration period; the SKJ overview counts from it.
    skj_period_start: Mapped[date | None] = mapped_column(Date)
    preferred_language: Mapped[str] = mapped_column(String(5), default="nl")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_region_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changing it logs out every session and remember-me cookie of this user.
    session_nonce: Mapped[str] = mapped_column(String(32), default="")
    # The professional group (doelgroep) the user belongs to, for targeted invitations.
    target_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("target_group.id", ondelete="SET NULL"), index=True)
    # Secret of the personal calendar feed URL; None when the feed is switched off.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    organisation: Mapped[Organisation | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region] = relationship()
    organiser_roles: Mapped[list[OrganiserRole]] = relationship(
        back_populates="user", foreign_keys="OrganiserRole.user_id", cascade="all, delete-orphan"
    )
    # Whether the user holds an approved organiser role, when the query that loaded the
    # user computed it (the login loader does, for the navigation of every page); None
    # otherwise, and after the user is expired by a commit.
    approved_organiser: Mapped[bool | None] = query_expression()

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def organiser_of(self) -> list[Organisation]:
        return [r.organisation for r in self.organiser_roles if r.status is ApprovalStatus.APPROVED]

    def is_organiser_for(self, organisation_id: int | None) -> bool:
        return any(
            r.organisation_id == organisation_id and r.status is ApprovalStatus.APPROVED
            for r in self.organiser_roles
        )

    @property
    def is_organiser(self) -> bool:
        if self.approved_organiser is not None and "organiser_roles" not in self.__dict__:
            return self.approved_organiser
        return any(r.status is ApprovalStatus.APPROVED for r in self.organiser_roles)

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class OrganiserRole(Model):
    """A user's request to organise activities for an organisation, and the Region's decision."""

    __tablename__ = "organiser_role"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[ApprovalStatus] = mapped_column(
        str_enum(ApprovalStatus, "approval_status"), default=ApprovalStatus.REQUESTED
    )
    motivation: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(back_populates="organiser_roles", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
