"""Configuration read from the environment: the production refusal of weak secret keys,
secure cookies, and the default region."""

from datetime import date

import pytest

from leerhuis import create_app
from leerhuis.config import DEFAULT_SECRET_KEY, ConfigError, load_config
from leerhuis.services import directory


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET_KEY, "", "kort-maar-geheim"])
def test_production_refuses_a_default_or_short_secret_key(monkeypatch, tmp_path, secret):
    monkeypatch.setenv("LEERHUIS_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()



def test_production_accepts_a_long_secret_key_and_secures_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("LEERHUIS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    config = load_config(str(tmp_path))
    assert config["PRODUCTION"]
    assert config["SESSION_COOKIE_SECURE"]
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
    monkeypatch.setitem(app.config, "DEFAULT_REGION", "bestaat-niet")
    with app.test_request_context(), pytest.raises(LookupError, match="bestaat-niet"):
        directory.default_region()
