"""What a staff page is about, loaded once for the views of every area."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from leerhuis.extensions import db
from leerhuis.models import Event
from leerhuis.services import programme


def managed_event(event_id: int) -> Event:
    """The event, for those who run it (its organisers and its Region): 404 when there is
    no such event, 403 for anyone else."""
    event = db.get_or_404(Event, event_id)
    if not programme.can_manage(current_user, event):
        abort(403)
    return event
