"""Recording sensitive actions for the Region's audit log."""

from __future__ import annotations

from leerhuis.extensions import db
from leerhuis.models import AuditEvent, User


def record(action: str, *, actor: User | None, subject: str = "", **details) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        subject=subject,
        details=details,
    )
    db.session.add(event)
    return event
