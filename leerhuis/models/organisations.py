"""Organisations of the region's partners: providers, municipalities, referrers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from leerhuis.extensions import Model
from leerhuis.models.base import UTCDateTime, str_enum, utcnow
from leerhuis.models.regions import Municipality, Region


class OrganisationType(enum.Enum):
    ZORGAANBIEDER = "zorgaanbieder"
    GEMEENTE = "gemeente"
    GECERTIFICEERDE_INSTELLING = "gecertificeerde_instelling"
    VEILIG_THUIS = "veilig_thuis"
    JEUGD_EN_GEZIN = "jeugd_en_gezin"
    HUISARTSEN = "huisartsen"
    ONDERWIJS = "onderwijs"
    WELZIJN = "welzijn"
    ERVARINGSDESKUNDIGEN = "ervaringsdeskundigen"
    REGIO = "regio"


class ApprovalStatus(enum.Enum):
    REQUESTED = "aangevraagd"
    APPROVED = "goedgekeurd"
    DENIED = "afgewezen"


class Organisation(Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(String(160), index=True)
    type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, "organisation_type"))
    website: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(254), default="")
    # Organisations proposed by a user wait for the Region's approval.
    status: Mapped[ApprovalStatus] = mapped_column(
        str_enum(ApprovalStatus, "approval_status"), default=ApprovalStatus.APPROVED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    @property
    def is_approved(self) -> bool:
        return self.status is ApprovalStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"
