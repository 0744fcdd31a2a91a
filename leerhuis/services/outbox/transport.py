"""Delivering the outbox: claiming due messages, sending them over SMTP (or to .eml files),
and recording the outcome.

Rule: delivery happens after commit, at least once, and is retried with exponential
backoff; a message that keeps failing stays visible to the Region, who can send it again
(store.retry_message)."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from leerhuis.extensions import db, take_sqlite_write_lock
from leerhuis.models import OutboxMessage, OutboxStatus, utcnow
from leerhuis.services.outbox.compose import needs_smtputf8


class MailTransport:
    """Delivers raw messages over SMTP, or writes .eml files when no server is configured."""

    def __init__(self, config: dict):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    @property
    def uses_files(self) -> bool:
        return not self.config.get("MAIL_SERVER")

    def send(self, row: ClaimedMessage) -> str:
        if self.uses_files:
            return self._write_file(row)
        smtp = self._connection()
        sender = parseaddr(self.config["MAIL_FROM"])[1]
        options = ["SMTPUTF8"] if needs_smtputf8(sender, row.recipient) else []
        smtp.sendmail(sender, [row.recipient], row.mime, mail_options=options)
        return ""

    def _write_file(self, row: ClaimedMessage) -> str:
        directory = Path(self.config["MAIL_FILE_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{row.created_at:%Y%m%d-%H%M%S}-{row.id:06d}.eml"
        (directory / name).write_bytes(row.mime)
        return name

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        cfg = self.config
        timeout = cfg["MAIL_TIMEOUT"]
        if cfg.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"],
                                                  timeout=timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout)
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        self._smtp = smtp
        return smtp

    def reset(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
        self._smtp = None

    close = reset


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes between attempts, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# A claimed message is due again this long after it was claimed: if the worker dies while
# sending, a later sweep sends it again (at-least-once), and nobody else sends it meanwhile.
CLAIM_SECONDS = 300


@dataclass(frozen=True)
class ClaimedMessage:
    """What sending needs of a message, read while it was claimed: sending runs outside any
    transaction, so that a slow mail server never holds a database lock."""

    id: int
    recipient: str
    mime: bytes
    created_at: datetime


def deliver_due_messages(limit: int = 200) -> dict[str, int]:
    """Send every pending message whose time has come. Returns counts per outcome.

    Each message is claimed in a short transaction of its own (PostgreSQL: SKIP LOCKED, so
    several workers share the work; SQLite: its write lock), which moves its next attempt
    CLAIM_SECONDS ahead and commits; then it is sent with no transaction open, and the
    outcome is recorded in another short transaction. A crash loses at most the outcome of
    the message in flight, which is then sent again: at-least-once delivery.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    transport = MailTransport(current_app.config)
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    try:
        for _ in range(limit):
            claimed = _claim_next_due()
            if claimed is None:
                break
            try:
                file_name = transport.send(claimed)
            except (smtplib.SMTPException, OSError) as exc:
                transport.reset()
                row = db.session.get(OutboxMessage, claimed.id)
                if row is None:
                    # Deleted in flight (delete_account drops a person's mails): nothing
                    # left to record.
                    db.session.rollback()
                else:
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if row.attempts >= max_attempts:
                        row.status = OutboxStatus.FAILED
                        counts["failed"] += 1
                    else:
                        row.next_attempt_at = utcnow() + backoff(row.attempts)
                        counts["retry"] += 1
                    db.session.commit()
                if isinstance(exc, (ConnectionError, TimeoutError, smtplib.SMTPServerDisconnected)):
                    # The server is unreachable: the rest would fail the same way.
                    break
                continue
            row = db.session.get(OutboxMessage, claimed.id)
            if row is None:  # deleted in flight, as above; it did go out
                db.session.rollback()
            else:
                row.file_name = file_name or row.file_name
                row.attempts += 1
                row.status = OutboxStatus.SENT
                row.sent_at = utcnow()
                row.last_error = ""
                db.session.commit()
            counts["sent"] += 1
    finally:
        transport.close()
    return counts


def _claim_next_due() -> ClaimedMessage | None:
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    else:
        # No row locks on SQLite: holding its write lock keeps a second worker from claiming
        # the same message.
        take_sqlite_write_lock(db.session)
    row = db.session.scalars(stmt).first()
    if row is None:
        db.session.commit()
        return None
    claimed = ClaimedMessage(row.id, row.recipient, row.mime, row.created_at)
    row.next_attempt_at = utcnow() + timedelta(seconds=CLAIM_SECONDS)
    db.session.commit()
    return claimed
