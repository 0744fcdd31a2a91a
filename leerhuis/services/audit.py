"""Recording sensitive actions for the Region's audit log."""

from __future__ import annotations

from leerhuis.extensions import db
from leerhuis.models import AuditEvent, User


def record(action: str, *, actor: User | None, subject: str = "", region_id: int | None = None,
           **details) -> AuditEvent:
    """Rule: an entry belongs to one region, the region of what it is about when the caller
    names it (an event, a certificate), else the actor's; only that region's admins read it
    (region_admin.audit_page). An entry without either (the nightly retention run) belongs
    to no region and is read by no regio-beheerder."""
    known_actor = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        action=action,
        actor_id=known_actor.id if known_actor is not None else None,
        region_id=(region_id if region_id is not None
                   else known_actor.region_id if known_actor is not None else None),
        subject=subject,
        details=details,
    )
    db.session.add(event)
    return event
