"""All models, imported here so Alembic and the app see one metadata."""

from leerhuis.models.attendance import (
    Attendance,
    AttendanceChange,
    AttendanceSource,
    AttendanceState,
    Certificate,
    CertificateRun,
    CertificateStatus,
    RunStatus,
)
from leerhuis.models.audit import AuditEvent
from leerhuis.models.base import utcnow
from leerhuis.models.invitations import BatchStatus, Invitation, InvitationBatch
from leerhuis.models.mail import OutboxMessage, OutboxStatus
from leerhuis.models.organisations import ApprovalStatus, Organisation, OrganisationType
from leerhuis.models.people import OrganiserRole, SkjKamer, User
from leerhuis.models.programme import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    ProgrammeStatus,
    ProgrammeYear,
    SkjCategory,
    TargetGroup,
    Theme,
    VenueKind,
)
from leerhuis.models.regions import Municipality, Region
from leerhuis.models.registrations import ACTIVE_STATUSES, Registration, RegistrationStatus

__all__ = [
    "BatchStatus",
    "Invitation",
    "InvitationBatch",
    "ACTIVE_STATUSES",
    "ApprovalStatus",
    "Attendance",
    "AttendanceChange",
    "AttendanceSource",
    "AttendanceState",
    "AuditEvent",
    "Certificate",
    "CertificateRun",
    "CertificateStatus",
    "Event",
    "EventSession",
    "EventStatus",
    "EventType",
    "Municipality",
    "Organisation",
    "OrganisationType",
    "OrganiserRole",
    "OutboxMessage",
    "OutboxStatus",
    "ProgrammeStatus",
    "ProgrammeYear",
    "Region",
    "Registration",
    "RegistrationStatus",
    "RunStatus",
    "SkjCategory",
    "SkjKamer",
    "TargetGroup",
    "Theme",
    "User",
    "VenueKind",
    "utcnow",
]
