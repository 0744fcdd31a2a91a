"""Public, read-only programme API for municipal and partner websites, plus the iCal feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import select

from leerhuis.extensions import configured_limit, csrf, db, limiter
from leerhuis.models import Event, Region
from leerhuis.services import api_schema, calendar_feed, catalogue, programme

bp = Blueprint("api", __name__, url_prefix="/api/v1")
feeds = Blueprint("feeds", __name__)
csrf.exempt(bp)


@bp.after_request
def _cors(response):
    # Read-only public data: any site may fetch it from a browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _int_arg(name: str, default: int | None = None, lo: int = 0, hi: int = 10_000) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    # An empty value is not an integer: the OpenAPI document promises a 400 for it.
    try:
        value = int(raw)
    except ValueError:
        abort(400)
    if not lo <= value <= hi:
        abort(400)
    return value


@bp.get("/evenementen")
@limiter.limit(configured_limit("api"))
def events():
    limit = _int_arg("limit", 100, 1, 500)
    offset = _int_arg("offset", 0, 0, 1_000_000)
    found = catalogue.public_events(
        region_slug=request.args.get("regio") or None, year=_int_arg("jaar", None, 2000, 2100),
        type_code=request.args.get("soort") or None, theme=request.args.get("thema") or None,
        target_group=request.args.get("doelgroep") or None, limit=limit, offset=offset)
    return jsonify({"evenementen": [api_schema.event_json(e) for e in found],
                    "limit": limit, "offset": offset})


@bp.get("/evenementen/<int:event_id>")
@limiter.limit(configured_limit("api"))
def event_detail(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None or not programme.is_publicly_visible(event):
        abort(404)
    return jsonify(api_schema.event_json(event, detail=True))


@bp.get("/openapi.json")
def openapi():
    return jsonify(api_schema.openapi_document(current_app.config["BASE_URL"]))


@feeds.get("/programma/<region_slug>/programma.ics")
def programme_feed(region_slug: str):
    region = db.first_or_404(select(Region).where(Region.slug == region_slug))
    type_code = request.args.get("soort") or None
    found = catalogue.public_events(region_slug=region.slug, type_code=type_code, limit=2000)
    body = calendar_feed.programme_feed(found, f"{region.leerhuis_name}")
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'inline; filename="leerhuis-{region.slug}.ics"'})
