"""Foundation settings and the Region's mail pages: configuration read from the environment,
the production refusal of weak secret keys, and mail scoped to the admin's own region."""

from datetime import date

import pytest
from conftest import make_user

from leerhuis import create_app
from leerhuis.config import DEFAULT_SECRET_KEY, ConfigError, load_config
from leerhuis.extensions import db
from leerhuis.models import Invitation, InvitationBatch, OutboxMessage
from leerhuis.services import outbox


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "", "kort-maar-geheim"])
def test_production_refuses_a_default_or_short_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("LEERHUIS_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    with pytest.raises(ConfigError):
        create_app()


def test_production_accepts_a_long_secret_key_and_secures_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("LEERHUIS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    config = load_config(str(tmp_path))
    assert config["PRODUCTION"] and config["SESSION_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_SECURE"]


def test_default_region_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DEFAULT_REGION", "utrecht-west")
    assert load_config(str(tmp_path))["DEFAULT_REGION"] == "utrecht-west"
    monkeypatch.delenv("DEFAULT_REGION")
    assert load_config(str(tmp_path))["DEFAULT_REGION"] == ""


def test_visitors_see_the_programme_of_the_default_region(
        app, client, region, other_region, monkeypatch):
    year = date.today().year
    assert client.get("/programma").headers["Location"].endswith(
        f"/programma/gooi-en-vechtstreek/{year}")  # unset: the first region
    monkeypatch.setitem(app.config, "DEFAULT_REGION", "utrecht-west")
    assert client.get("/programma").headers["Location"].endswith(f"/programma/utrecht-west/{year}")


def test_an_unknown_default_region_is_named_not_replaced(app, region, monkeypatch):
    from leerhuis.services import directory

    monkeypatch.setitem(app.config, "DEFAULT_REGION", "bestaat-niet")
    with app.test_request_context(), pytest.raises(LookupError, match="bestaat-niet"):
        directory.default_region()


def _mail(to: str, subject: str, user=None) -> OutboxMessage:
    row = outbox.queue_message(outbox.build_message(to=to, subject=subject, text="…"), user=user)
    db.session.flush()
    return row


def test_the_region_mail_pages_show_only_the_admins_own_region(
        app, region, other_region, regio_admin, deelnemer, as_regio):
    utrecht = make_user(other_region, "utrecht@example.org")
    utrecht.municipality = other_region.municipalities[0]
    with app.test_request_context():
        ours = _mail(deelnemer.email, "Voor Gooi en Vechtstreek", deelnemer)
        theirs = _mail(utrecht.email, "Voor Utrecht West", utrecht)
        invited = _mail("gast@example.org", "Uitnodiging Gooi", None)
        stranger = _mail("onbekend@example.org", "Uitnodiging Utrecht", None)
        for batch_region, row in ((region, invited), (other_region, stranger)):
            batch = InvitationBatch(region_id=batch_region.id, programme_year=2030)
            batch.invitations = [Invitation(email=row.recipient, outbox_message_id=row.id)]
            db.session.add(batch)
    db.session.commit()

    listing = as_regio.get("/regio/mail").text
    assert ours.subject in listing and invited.subject in listing
    assert theirs.subject not in listing and stranger.subject not in listing
    assert "Wachtend (2)" in listing
    assert as_regio.get(f"/regio/mail/{ours.id}").status_code == 200
    assert as_regio.get(f"/regio/mail/{invited.id}").status_code == 200
    assert as_regio.get(f"/regio/mail/{theirs.id}").status_code == 404
    assert as_regio.get(f"/regio/mail/{stranger.id}").status_code == 404
    assert as_regio.post(f"/regio/mail/{theirs.id}/opnieuw").status_code == 404
    assert "2 wachtend" in as_regio.get("/regio/").text


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
