"""The outbox rows: a message is queued in the caller's transaction, and put back in the
queue when the Region sends a failed one again.

Rule: a mail is never lost. It is written as a row together with the action that caused it,
and the worker delivers it after commit (transport.py)."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import Message
from email.utils import parseaddr

from leerhuis import background
from leerhuis.extensions import db
from leerhuis.models import OutboxMessage, OutboxStatus, User, utcnow
from leerhuis.services.outbox.compose import Attachment, build_template_message


def queue_message(message: Message, *, kind: str = "", user: User | None = None) -> OutboxMessage:
    """Add a built message to the outbox in the current transaction (commit is the caller's),
    stored as it goes over the wire."""
    row = OutboxMessage(
        recipient=parseaddr(str(message["To"]))[1].lower(),
        subject=str(message["Subject"])[:300],
        mime=message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
        kind=kind,
        user_id=user.id if user is not None else None,
    )
    db.session.add(row)
    # The worker sends it at once; the periodic sweep a minute later if the queue was down.
    background.after_commit("deliver_outbox")
    return row


def queue_template_mail(
    template: str,
    *,
    to: str,
    subject: str,
    user: User | None = None,
    kind: str = "",
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
    alternatives: Sequence[Attachment] = (),
    **context,
) -> OutboxMessage:
    """Render ``emails/<template>.txt`` and ``.html`` in the recipient's language
    (compose.build_template_message) and queue it."""
    message = build_template_message(
        template, to=to, subject=subject, user=user, language=language,
        attachments=attachments, alternatives=alternatives, **context,
    )
    return queue_message(message, kind=kind or template, user=user)


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue (the Region's 'opnieuw versturen')."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    background.after_commit("deliver_outbox")
