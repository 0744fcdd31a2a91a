"""What a bewijs van deelname says: plain data for the sandboxed PDF template, the SKJ
statement, the verification URL and its QR code, and the PDF rendered from that data.

Rules enforced here (domain brief §3):
- the statement says how the activity counts for SKJ: accredited (number, points) or
  to be entered as informeel leren / vrije ruimte (or reflectie for intervisie);
- each certificate shows its verification URL and QR code;
- always Dutch (SKJ is a Dutch register), and no ORM objects reach the template.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import qrcode
from flask import current_app
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from PIL import Image

from leerhuis.formatting import format_period
from leerhuis.models import (
    Event,
    EventSession,
    Registration,
    SkjCategory,
)
from leerhuis.services import pdf
from leerhuis.services.certificates.eligibility import Part
from leerhuis.services.links import external_url


def skj_statement(event: Event) -> str:
    if event.is_accredited:
        points = format_decimal(event.accreditation_points or 0, format="#,##0.##")
        return (f"SKJ-geaccrediteerd — accreditatienummer {event.accreditation_number} — "
                f"{points} punten. De organisator voert de punten op in Mijn SKJ met het "
                f"registratienummer van de deelnemer.")
    if event.type.skj_category is SkjCategory.REFLECTIE:
        return ("Niet geaccrediteerd — door de deelnemer op te voeren als reflectie "
                "(intervisie); beoordeling door SKJ.")
    return ("Niet geaccrediteerd — door de deelnemer op te voeren als informeel leren "
            "(kamer jeugd- en gezinsprofessionals) of vrije ruimte (gedragswetenschappers); "
            "beoordeling door SKJ.")


def _session_line(session: EventSession) -> str:
    return _("%(period)s (%(hours)s uur netto)",
             period=format_period(session.starts_at, session.ends_at),
             hours=format_decimal(session.net_hours, format="#,##0.##"))


def qr_data_uri(url: str) -> str:
    """A one-pixel-per-module PNG, scaled up without smoothing by the page: far cheaper for
    WeasyPrint to draw than an SVG path of every module."""
    # A fixed mask skips qrcode's pure-Python search for the "best" of eight masks (4 ms →
    # 1 ms); every mask gives a valid, scannable code.
    code = qrcode.QRCode(border=2, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    # The image straight from the module matrix: qrcode's own image factory draws every
    # module as a rectangle through PIL (~1.5 ms of a bulk run's certificate).
    # Grey (8-bit) rather than 1-bit: WeasyPrint embeds a grey PNG as it is, and converts a
    # 1-bit one to RGB first.
    matrix = code.get_matrix()
    image = Image.new("L", (len(matrix), len(matrix)))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def certificate_data(registration: Registration, parts: list[Part], code: str,
                     issued_at: datetime) -> dict:
    """Plain data for the PDF template: no ORM objects reach the sandbox. Always Dutch:
    SKJ is a Dutch register."""
    with force_locale("nl"):
        return _certificate_data(registration, parts, code, issued_at)


def _certificate_data(registration: Registration, parts: list[Part], code: str,
                      issued_at: datetime) -> dict:
    event = registration.event
    user = registration.user
    region = event.region
    verify_url = external_url("certificates.verify", code=code)
    organiser = event.organisation
    return {
        "code": code,
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
        "participant": user.full_name if user else "",
        "skj_number": (registration.skj_number or (user.skj_number if user else None)
                       or "niet opgegeven"),
        "title": event.title,
        "type": event.type.name_nl,
        "parts": [{"title": p.event.title, "type": p.event.type.name_nl,
                   "sessions": [_session_line(s) for s in p.sessions],
                   "hours": format_decimal(p.hours, format="#,##0.##")} for p in parts],
        "total_hours": format_decimal(sum((p.hours for p in parts), Decimal(0)),
                                      format="#,##0.##"),
        "organiser": organiser.name,
        "organiser_contact": ", ".join(x for x in (organiser.address, organiser.website) if x),
        "leerhuis": region.leerhuis_name,
        "summary": event.summary,
        "learning_goals": [line.strip("-• ").strip() for line in event.learning_goals.splitlines()
                           if line.strip()][:6],
        "trainer": event.trainer,
        "statement": skj_statement(event),
        "issued_on": format_date(issued_at, "d MMMM y"),
        "signatory_name": region.signatory_name,
        "signatory_function": region.signatory_function,
    }


def _certificate_html(data: dict) -> str:
    with force_locale("nl"):  # always Dutch, like certificate_data: SKJ is a Dutch register
        return pdf.render_html("certificate.html", {"certificates": [data]})


def start_render(datas: list[dict]) -> Callable[[], list[bytes]]:
    """Start rendering one PDF per certificate, the batch spread over the layout processes;
    calling the result waits for the PDFs."""
    if not datas:
        return list
    chunks = pdf.chunked(datas, current_app.config["PDF_WORKERS"])
    pending = pdf.start_pdfs_many([[_certificate_html(data) for data in chunk]
                                   for chunk in chunks])

    @functools.cache  # waited for once, then read again as often as needed
    def documents() -> list[bytes]:
        return [document for chunk in pending() for document in chunk]

    return documents
