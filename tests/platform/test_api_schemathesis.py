"""schemathesis against the app's own OpenAPI document (/api/v1/openapi.json), in process
through the WSGI app, over the demo programme (werkbezoeken, trainings, webinars, cohorts,
online and on location, accredited or not, in a published and a draft year).

Every case schemathesis makes up — valid parameters and, in negative mode, invalid ones —
must get no 5xx, a documented status code, the documented content type and a body that
matches the response schema. The totals are in CASES (see the closing note of issue 7).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import select

from leerhuis.demo import seed as demo
from leerhuis.extensions import db
from leerhuis.models import Event, EventStatus

# Cases per operation and generation mode; bounded so `make test` stays fast.
CASES = {GenerationMode.POSITIVE: 150, GenerationMode.NEGATIVE: 100}
CHECKS = [
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.positive_data_acceptance,
]


@pytest.fixture
def demo_programme(app, monkeypatch):
    """The demo region, organisations and programme (two years), as `make run` shows them."""
    monkeypatch.setattr(demo, "EXTRA_SEEDERS", [demo.seed_programme])
    demo.seed_demo(professionals=0)
    db.session.commit()
    events = db.session.scalars(select(Event).order_by(Event.id)).all()
    assert len(events) >= 10
    return events


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _strategies(schema, events, mode):
    """The generated cases, plus cases aimed at the real data: every existing event id and
    the region's slug, so that the 200 responses with full bodies are checked too."""
    listing = schema["/api/v1/evenementen"]["GET"]
    detail = schema["/api/v1/evenementen/{event_id}"]["GET"]
    strategies = [listing.as_strategy(generation_mode=mode),
                  detail.as_strategy(generation_mode=mode)]
    if mode is GenerationMode.POSITIVE:
        strategies.append(listing.as_strategy(query={"regio": "gooi-en-vechtstreek"}))
        strategies += [detail.as_strategy(path_parameters={"event_id": e.id}) for e in events]
    return st.one_of(*strategies)


@pytest.mark.parametrize("mode", list(CASES), ids=lambda m: m.value)
def test_the_api_answers_every_case_as_its_openapi_document_says(
        api_schema, demo_programme, mode):
    statuses: Counter = Counter()

    @settings(max_examples=CASES[mode], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=_strategies(api_schema, demo_programme, mode))
    def check(case):
        response = case.call()
        statuses[(case.operation.label, response.status_code)] += 1
        assert response.status_code < 500, response.text
        case.validate_response(response, checks=CHECKS)

    check()
    print(f"schemathesis {mode.value}: {sum(statuses.values())} cases", dict(statuses))
    seen = {status for (_label, status) in statuses}
    if mode is GenerationMode.POSITIVE:
        # The real events were reached, not only 404s and 400s.
        assert 200 in seen
        full = sum(n for (label, status), n in statuses.items()
                   if status == 200 and "{event_id}" in label)
        assert full > 0
    else:
        assert seen & {400, 404}


def test_published_events_in_the_api_match_the_database(client, demo_programme):
    """What the schema cannot say: the listing holds exactly the public events (this year's
    published programme; next year's is still a draft)."""
    this_year = date.today().year
    public = {e.id for e in demo_programme if e.programme_year == this_year and e.status in (
        EventStatus.PUBLISHED, EventStatus.FINISHED, EventStatus.CANCELLED)}
    assert public
    body = client.get("/api/v1/evenementen?regio=gooi-en-vechtstreek&limit=500").json
    assert {e["id"] for e in body["evenementen"]} == public
    theme = next(t for e in body["evenementen"] for t in e["themas"])
    themed = client.get(f"/api/v1/evenementen?thema={theme}&limit=500").json["evenementen"]
    assert themed
    assert all(theme in e["themas"] for e in themed)
    assert {e["id"] for e in themed} == {
        e["id"] for e in body["evenementen"] if theme in e["themas"]
    }
    draft = next(e for e in demo_programme if e.programme_year == this_year + 1)
    assert client.get(f"/api/v1/evenementen/{draft.id}").status_code == 404
