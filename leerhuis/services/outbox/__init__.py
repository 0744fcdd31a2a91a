"""Mail outbox: messages are queued in the caller's transaction and delivered by the worker.

Rule: a mail is never lost. It is written as a row together with the action that caused
it; delivery happens after commit, is retried with exponential backoff, and a message
that keeps failing stays visible to the Region, who can send it again.

One module per job:
- ``compose``: building the MIME message (parts, headers, SMTPUTF8, templates and footer);
- ``store``: the outbox rows (queue_message, queue_template_mail, retry_message);
- ``transport``: claiming due rows and sending them (MailTransport, deliver_due_messages).

Callers use the package (``outbox.queue_template_mail(...)``); the modules import each
other, never this package (store → compose, transport → compose).
"""

from leerhuis.services.outbox.compose import (
    DEFAULT_MAIL_REASON,
    MAIL_REASONS,
    MAX_PLAIN_LINE,
    Attachment,
    build_message,
    build_template_message,
    in_language_of,
    needs_smtputf8,
)
from leerhuis.services.outbox.store import queue_message, queue_template_mail, retry_message
from leerhuis.services.outbox.transport import (
    CLAIM_SECONDS,
    ClaimedMessage,
    MailTransport,
    backoff,
    deliver_due_messages,
)

__all__ = [
    "CLAIM_SECONDS",
    "DEFAULT_MAIL_REASON",
    "MAIL_REASONS",
    "MAX_PLAIN_LINE",
    "Attachment",
    "ClaimedMessage",
    "MailTransport",
    "backoff",
    "build_message",
    "build_template_message",
    "deliver_due_messages",
    "in_language_of",
    "needs_smtputf8",
    "queue_message",
    "queue_template_mail",
    "retry_message",
]
