"""What the Region's back office lists: pending requests, the mail outbox, the audit log.

Each regio-beheerder sees the mail of their own region only: a message belongs to the region
of the account it was sent to, and a message to an address without an account belongs to
the region whose invitation sent it.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    AuditEvent,
    Invitation,
    InvitationBatch,
    Organisation,
    OrganiserRole,
    OutboxMessage,
    OutboxStatus,
    Region,
    User,
)


def _pending_requests(region: Region):
    return (select(OrganiserRole)
            .join(Organisation, OrganiserRole.organisation_id == Organisation.id)
            .where(OrganiserRole.status == ApprovalStatus.REQUESTED,
                   Organisation.region_id == region.id)
            .options(selectinload(OrganiserRole.user), selectinload(OrganiserRole.organisation))
            .order_by(OrganiserRole.requested_at, OrganiserRole.id))


def pending_organiser_requests(region: Region) -> list[OrganiserRole]:
    return list(db.session.scalars(_pending_requests(region)))


def organiser_requests_page(region: Region, page: int, per_page: int = 20):
    """The pending organiser requests, oldest first, one page at a time: after the yearly
    invitation round many partners ask at once."""
    return db.paginate(_pending_requests(region), page=page, per_page=per_page, error_out=False)


def pending_organisations(region: Region) -> list[Organisation]:
    """Proposed organisations with no pending organiser request (those are decided with it)."""
    with_request = select(OrganiserRole.organisation_id).where(
        OrganiserRole.status == ApprovalStatus.REQUESTED)
    return list(db.session.scalars(
        select(Organisation)
        .where(Organisation.region_id == region.id,
               Organisation.status == ApprovalStatus.REQUESTED,
               Organisation.id.not_in(with_request))
        .order_by(Organisation.created_at)
    ))


def in_region(region: Region):
    """The condition 'this outbox message belongs to ``region``'."""
    to_its_people = OutboxMessage.user_id.in_(select(User.id).where(User.region_id == region.id))
    its_invitations = OutboxMessage.id.in_(
        select(Invitation.outbox_message_id)
        .join(InvitationBatch, InvitationBatch.id == Invitation.batch_id)
        .where(InvitationBatch.region_id == region.id, Invitation.outbox_message_id.is_not(None)))
    return or_(to_its_people, its_invitations)


def outbox_message(region: Region, message_id: int) -> OutboxMessage | None:
    """One message of the region's outbox; None for another region's mail (as if unknown)."""
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.id == message_id, in_region(region))).first()


def outbox_page(region: Region, status: OutboxStatus | None, page: int, per_page: int = 50):
    stmt = select(OutboxMessage).where(in_region(region)).order_by(OutboxMessage.id.desc())
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def outbox_counts(region: Region) -> dict[OutboxStatus, int]:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).where(in_region(region))
        .group_by(OutboxMessage.status)).all()
    counts = {status: 0 for status in OutboxStatus}
    counts.update(dict(rows))
    return counts


def audit_page(page: int, per_page: int = 50):
    stmt = (select(AuditEvent).options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def region_admins(region: Region) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.region_id == region.id, User.is_region_admin.is_(True))))
