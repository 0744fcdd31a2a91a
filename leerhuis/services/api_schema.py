"""JSON shapes of the public programme API and the OpenAPI document that describes them."""

from __future__ import annotations

from leerhuis.models import Event
from leerhuis.services import seats
from leerhuis.services.links import external_url
from leerhuis.services.markdown import render_markdown


def event_json(event: Event, *, detail: bool = False) -> dict:
    data = {
        "id": event.id,
        "titel": event.title,
        "soort": event.type.code,
        "soort_naam": event.type.name_nl,
        "status": event.status.value,
        "regio": event.region.slug,
        "jaar": event.programme_year,
        "samenvatting": event.summary,
        "organisator": event.organisation.name,
        "themas": [t.slug for t in event.themes],
        "doelgroepen": [g.slug for g in event.target_groups],
        "online": event.is_online,
        "plaats": "" if event.is_online else event.city,
        "bijeenkomsten": [{"begin": s.starts_at.isoformat(), "einde": s.ends_at.isoformat(),
                           "netto_uren": float(s.net_hours)} for s in event.sessions],
        "geaccrediteerd": event.is_accredited,
        "skj_punten": float(event.accreditation_points) if event.accreditation_points else None,
        "plaatsen": event.capacity,
        "open_voor_andere_regios": event.open_to_other_regions,
        "url": external_url("programme.event_page", event_id=event.id),
    }
    if detail:
        data.update({
            "beschrijving_html": render_markdown(event.description_md),
            "leerdoelen": event.learning_goals,
            "trainer": event.trainer,
            "locatie": None if event.is_online else {
                "naam": event.venue_name, "adres": event.address, "postcode": event.postcode,
                "plaats": event.city, "toegankelijkheid": event.accessibility_notes,
                "parkeren": event.parking_notes, "eigen_vervoer": event.own_transport},
            "plaatsen_vrij": seats.places_left(event),
            "accreditatienummer": event.accreditation_number or None,
        })
    return data


_SESSION = {"type": "object", "required": ["begin", "einde", "netto_uren"], "properties": {
    "begin": {"type": "string", "format": "date-time"},
    "einde": {"type": "string", "format": "date-time"},
    "netto_uren": {"type": "number"}}}
_EVENT_PROPS = {
    "id": {"type": "integer"}, "titel": {"type": "string"}, "soort": {"type": "string"},
    "soort_naam": {"type": "string"},
    "status": {"type": "string", "enum": ["gepubliceerd", "afgerond", "geannuleerd"]},
    "regio": {"type": "string"}, "jaar": {"type": "integer"}, "samenvatting": {"type": "string"},
    "organisator": {"type": "string"},
    "themas": {"type": "array", "items": {"type": "string"}},
    "doelgroepen": {"type": "array", "items": {"type": "string"}},
    "online": {"type": "boolean"}, "plaats": {"type": "string"},
    "bijeenkomsten": {"type": "array", "items": _SESSION},
    "geaccrediteerd": {"type": "boolean"},
    "skj_punten": {"type": ["number", "null"]},
    "plaatsen": {"type": ["integer", "null"]},
    "open_voor_andere_regios": {"type": "boolean"},
    "url": {"type": "string"},
}
_EVENT = {"type": "object", "required": list(_EVENT_PROPS), "properties": _EVENT_PROPS}
_EVENT_DETAIL = {"type": "object", "required": list(_EVENT_PROPS), "properties": {
    **_EVENT_PROPS,
    "beschrijving_html": {"type": "string"}, "leerdoelen": {"type": "string"},
    "trainer": {"type": "string"},
    "locatie": {"type": ["object", "null"]},
    "plaatsen_vrij": {"type": ["integer", "null"]},
    "accreditatienummer": {"type": ["string", "null"]},
}}
_ERROR = {"type": "object", "properties": {"error": {"type": "string"},
                                           "status": {"type": "integer"}}}


# Text parameters: any text without NUL characters (those get a 400, as PostgreSQL cannot
# compare them).
_TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}


def _param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def openapi_document(base_url: str) -> dict:
    errors = {"400": {"description": "Ongeldige parameter",
                      "content": {"application/json": {"schema": _ERROR}}},
              "429": {"description": "Te veel verzoeken",
                      "content": {"application/json": {"schema": _ERROR}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Regionaal Leerhuis — programma-API", "version": "1.0.0",
                 "description": "Gepubliceerde activiteiten van het Regionaal Leerhuis, "
                                "alleen-lezen, voor websites van gemeenten en partners."},
        "servers": [{"url": base_url}],
        "paths": {
            "/api/v1/evenementen": {"get": {
                "summary": "Gepubliceerde activiteiten",
                "parameters": [
                    _param("regio", _TEXT, "Slug van de regio"),
                    _param("jaar", {"type": "integer", "minimum": 2000, "maximum": 2100},
                           "Programmajaar"),
                    _param("soort", _TEXT, "Soort activiteit, bv. training"),
                    _param("thema", _TEXT, "Slug van een thema"),
                    _param("doelgroep", _TEXT, "Slug van een doelgroep"),
                    _param("limit", {"type": "integer", "minimum": 1, "maximum": 500},
                           "Maximaal aantal resultaten"),
                    _param("offset", {"type": "integer", "minimum": 0, "maximum": 1000000},
                           "Aantal over te slaan resultaten"),
                ],
                "responses": {"200": {"description": "Lijst van activiteiten", "content": {
                    "application/json": {"schema": {
                        "type": "object", "required": ["evenementen", "limit", "offset"],
                        "properties": {"evenementen": {"type": "array", "items": _EVENT},
                                       "limit": {"type": "integer"},
                                       "offset": {"type": "integer"}}}}}}, **errors},
            }},
            "/api/v1/evenementen/{event_id}": {"get": {
                "summary": "Eén gepubliceerde activiteit",
                "parameters": [{"name": "event_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 0,
                                           "maximum": 2147483647}}],
                "responses": {"200": {"description": "De activiteit", "content": {
                    "application/json": {"schema": _EVENT_DETAIL}}},
                    "404": {"description": "Niet gevonden",
                            "content": {"application/json": {"schema": _ERROR}}}, **errors},
            }},
        },
    }
