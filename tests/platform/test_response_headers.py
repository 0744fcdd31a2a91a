"""Cache-Control on personal responses and downloads; Allow on a 405 (issue 20)."""

import pytest

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.services import calendar_invites

PERSONAL_PAGES = {
    "deelnemer": ["/profiel", "/mijn-leerhuis", "/mijn-leerhuis/bewijzen", "/mijn-gegevens",
                  "/toegankelijkheidsverklaring"],
    "organisator": ["/organiseren", "/activiteiten/nieuw"],
    "regio": ["/regio/", "/regio/audit", "/regio/overzichten/"],
}
DOWNLOADS = ["/regio/overzichten/presentie.csv", "/regio/overzichten/presentie.xlsx",
             "/regio/overzichten/overzichten.xlsx", "/regio/overzichten/overzichten.pdf",
             "/regio/overzichten/soort.csv", "/regio/evaluaties.csv", "/mijn-leerhuis/skj.csv",
             "/mijn-leerhuis/bewijzen.zip"]


def _no_store(response) -> bool:
    return response.cache_control.no_store


@pytest.mark.parametrize("role", sorted(PERSONAL_PAGES))
def test_pages_for_a_logged_in_person_are_not_stored(request, role):
    client = request.getfixturevalue(f"as_{role}")
    for path in PERSONAL_PAGES[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert _no_store(response), path


@pytest.mark.parametrize("path", DOWNLOADS)
def test_every_download_is_not_stored(as_regio, path):
    with as_regio.get(path) as response:
        assert response.status_code == 200
        assert _no_store(response)


def test_the_personal_calendar_feed_is_not_stored(client, deelnemer):
    token = calendar_invites.renew_feed_token(deelnemer)
    db.session.commit()
    response = client.get(f"/agenda/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_stay_cacheable(client, region, as_deelnemer):
    as_deelnemer.post("/uitloggen")
    assert not _no_store(client.get("/"))
    assert not _no_store(client.get("/toegankelijkheidsverklaring"))


def test_static_files_of_a_logged_in_person_stay_cacheable(as_deelnemer):
    with as_deelnemer.get("/static/css/leerhuis.css") as response:
        assert response.status_code == 200
        assert not _no_store(response)


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/uitloggen", {"OPTIONS", "POST"}),
    ("PUT", "/inloggen", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("POST", "/api/v1/evenementen", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_405_names_the_methods_the_url_takes(client, region, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


# --- Security headers --------------------------------------------------------------------


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options")


def test_every_response_carries_the_security_headers_once(client):
    for path in ("/inloggen", "/bestaat-niet", "/static/css/leerhuis.css"):
        response = client.get(path)
        response.close()
        for name in SECURITY_HEADERS:
            assert len(response.headers.getlist(name)) == 1, (path, name)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP


def test_production_adds_strict_transport_security(monkeypatch, tmp_path):
    monkeypatch.setenv("LEERHUIS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hsts.sqlite'}"})
    response = app.test_client().get("/static/css/leerhuis.css")
    response.close()
    assert response.headers.getlist("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"]
