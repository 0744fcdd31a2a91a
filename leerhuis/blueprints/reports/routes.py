"""The Region's overviews: attendance per period and grouping, charts and downloads."""

from __future__ import annotations

import tempfile
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    send_file,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user

from leerhuis.blueprints.forms_common import date_arg
from leerhuis.extensions import write_transaction
from leerhuis.formatting import format_day
from leerhuis.permissions import region_admin_required
from leerhuis.services import audit, charts, pdf, reports
from leerhuis.web import format_hours

bp = Blueprint("reports", __name__, url_prefix="/regio/overzichten")


def _period() -> reports.Period:
    today = date.today()
    start = date_arg("van", date(today.year, 1, 1))
    end = date_arg("tot", date(today.year, 12, 31))
    if end < start:
        start, end = end, start
    return reports.Period(start, end)


def _sections(period: reports.Period) -> list[dict]:
    sections = []
    for key, title in reports.GROUPINGS.items():
        lines = reports.overview(current_user.region, period, key)
        svg = charts.bar_chart(title, [line.label for line in lines], {
            _("aanmeldingen"): [line.registrations for line in lines],
            _("aanwezig"): [line.attended for line in lines]},
            whole_numbers=True) if lines else None
        sections.append({"key": key, "title": title, "lines": lines,
                         "chart": charts.data_uri(svg) if svg else None})
    return sections


@bp.get("/")
@region_admin_required
def index():
    period = _period()
    return render_template("reports/index.html", period=period, sections=_sections(period),
                           header=reports.HEADER)


@bp.get("/<grouping>.csv")
@region_admin_required
def grouping_csv(grouping: str):
    if grouping not in reports.GROUPINGS:
        abort(404)
    period = _period()
    body = reports.as_csv(reports.overview(current_user.region, period, grouping))
    with write_transaction():
        audit.record("export.overview", actor=current_user, subject=grouping, format="csv")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="overzicht-{grouping}.csv"'})


@bp.get("/overzichten.xlsx")
@region_admin_required
def all_xlsx():
    period = _period()
    content = reports.as_xlsx({title: reports.overview(current_user.region, period, key)
                               for key, title in reports.GROUPINGS.items()})
    with write_transaction():
        audit.record("export.overview", actor=current_user, subject="all", format="xlsx")
    return Response(content,
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="overzichten.xlsx"'})


@bp.get("/overzichten.pdf")
@region_admin_required
def all_pdf():
    period = _period()
    data = {"region": current_user.region.name, "start": format_day(period.start, "long"),
            "end": format_day(period.end, "long"), "header": [str(h) for h in reports.HEADER],
            "sections": [{"title": str(s["title"]), "chart": s["chart"] or "",
                          "rows": [[format_hours(v) if isinstance(v, int | float) else v
                                    for v in line.values()] for line in s["lines"]]}
                         for s in _sections(period)]}
    content = pdf.write_pdf(pdf.render_html("region_report.html", data))
    with write_transaction():
        audit.record("export.overview", actor=current_user, subject="all", format="pdf")
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="overzichten.pdf"'})


@bp.get("/presentie.csv")
@region_admin_required
def attendance_csv():
    """Every registration × session in the period, streamed in constant memory."""
    period = _period()
    region = current_user.region
    region_id = region.id
    with write_transaction():
        audit.record("export.attendance", actor=current_user, subject=region.slug, format="csv")
    return Response(stream_with_context(reports.stream_csv(region_id, period)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="presentie.csv"'})


@bp.get("/presentie.xlsx")
@region_admin_required
def attendance_xlsx():
    period = _period()
    region = current_user.region
    # Removed when the response closes, so no context manager here.
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115
    reports.write_xlsx(region.id, period, handle.name)
    with write_transaction():
        audit.record("export.attendance", actor=current_user, subject=region.slug, format="xlsx")
    response = send_file(handle.name, as_attachment=True, download_name="presentie.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.call_on_close(handle.close)
    return response
