"""What the Region's back office lists: pending requests, the mail outbox, the audit log.

Each regio-beheerder sees the mail of their own region only: a message belongs to the region
of the account it was sent to, and a message to an address without an account belongs to
the region whose invitation sent it.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email.policy import default as default_policy
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException

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
from leerhuis.services import audit


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


# Route arguments that are secrets: whoever holds such a link acts as its recipient
# (password reset, e-mail verification, waiting-list offer, evaluation, calendar feed).
SECRET_ARGUMENTS = frozenset({"token"})
HIDDEN_LINK = _l("[link verborgen]")
_URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class MailView:
    text: str
    attachments: list[str]


def _carries_secret(url: str) -> bool:
    """Whether ``url`` is a link to one of this portal's token routes, by its path alone:
    a link sent before BASE_URL changed still opens the account."""
    base_path = urlsplit(current_app.config["BASE_URL"]).path.rstrip("/")
    path = urlsplit(url).path
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path):]
    adapter = current_app.url_map.bind("localhost")
    try:
        _endpoint, arguments = adapter.match(path, method="GET")
    except HTTPException:  # unknown path, other method or a redirect: no token route
        return False
    return not SECRET_ARGUMENTS.isdisjoint(arguments)


def redact_secret_links(text: str) -> str:
    """Rule: nobody but the recipient sees a token link. The Region reads stored mail to help
    people whose mail went astray, not to act as them, so every view of a stored mail shows
    "[link verborgen]" where the mail delivered carries such a link."""
    return _URL.sub(lambda found: str(HIDDEN_LINK) if _carries_secret(found.group())
                    else found.group(), text)


def read_message(row: OutboxMessage, *, by: User) -> MailView:
    """A stored mail as the Region may read it (token links hidden); reading it is recorded
    in the audit log, as it shows what was sent to one person."""
    parsed = email.message_from_bytes(row.mime, policy=default_policy)
    text_part = parsed.get_body(preferencelist=("plain",))
    audit.record("mail.viewed", actor=by, subject=f"outbox_message:{row.id}")
    return MailView(
        text=redact_secret_links(text_part.get_content()) if text_part is not None else "",
        attachments=[part.get_filename() or part.get_content_type()
                     for part in parsed.iter_attachments()])


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


def audit_page(region: Region, page: int, per_page: int = 50):
    """The region's own audit log: another region's actors and certificate codes are not
    its business."""
    stmt = (select(AuditEvent).where(AuditEvent.region_id == region.id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def region_admins(region: Region) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.region_id == region.id, User.is_region_admin.is_(True))))
