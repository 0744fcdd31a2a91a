"""The printable presentielijst of a session: name, organisation, SKJ number, signature."""

from __future__ import annotations

from flask_babel import gettext as _

from leerhuis.formatting import format_period
from leerhuis.models import Event, EventSession
from leerhuis.services import attendance, pdf


def render(event: Event, session: EventSession) -> bytes:
    rows = []
    for registration in attendance.confirmed_registrations(event):
        user = registration.user
        rows.append({
            "name": user.full_name if user else _("(verwijderd account)"),
            "organisation": registration.organisation.name if registration.organisation else "",
            "skj_number": registration.skj_number or "",
        })
    rows.sort(key=lambda row: row["name"].split()[-1].lower() if row["name"] else "")
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
