"""The printable presentielijst of a session: who (as ``services.visibility`` lets the
viewer see them: a name, or "Deelnemer 7" for who did not share it), organisation and a
signature column. SKJ numbers are not on it: they go to the provider in the SKJ-points
export only."""

from __future__ import annotations

from flask_babel import gettext as _

from leerhuis.formatting import format_period
from leerhuis.models import Event, EventSession, User
from leerhuis.services import attendance, pdf, visibility


def render(event: Event, session: EventSession, viewer: User) -> bytes:
    registrations = attendance.confirmed_registrations(event)
    views = sorted(visibility.participant_views(event, registrations, viewer).values(),
                   key=lambda view: view.sort_key)
    rows = [{"name": view.display_name, "organisation": view.organisation or ""}
            for view in views]
    data = {
        "title": event.title,
        "leerhuis": event.region.leerhuis_name,
        "organiser": event.organisation.name,
        "when": format_period(session.starts_at, session.ends_at),
        "session_title": session.title,
        "place": _("Online") if event.is_online else ", ".join(
            p for p in (event.venue_name, event.address, event.city) if p),
        "accredited": event.is_accredited,
        "rows": rows,
    }
    return pdf.write_pdf(pdf.render_html("presence_list.html", data))
