"""Accounts: sign-up with verification over real SMTP, login, password reset, organisers."""

import re
from datetime import timedelta

import pytest
from conftest import PASSWORD, make_test_config, make_user
from sqlalchemy import select

from leerhuis import create_app
from leerhuis.demo.seed import DEMO_PASSWORD
from leerhuis.extensions import db, limiter
from leerhuis.models import (
    ApprovalStatus,
    AuditEvent,
    OrganiserRole,
    OutboxMessage,
    User,
    utcnow,
)
from leerhuis.services import accounts

SIGN_UP = {"email": "nieuw@example.org", "password": "een lange zin als wachtwoord",
           "password_repeat": "een lange zin als wachtwoord", "first_name": "Noor",
           "last_name": "Visser", "function": "gezinsvoogd", "skj_number": "123456789",
           "preferred_language": "nl"}


def _link(text: str) -> str:
    return re.search(r"http://leerhuis\.test(/\S+)", text).group(1)


def test_sign_up_sends_a_verification_mail_over_smtp_and_the_link_verifies(
        client, region, smtp, deliver_mail):
    response = client.post("/registreren", data=SIGN_UP)
    assert response.status_code == 200
    assert "Bevestig je e-mailadres" in response.text
    assert deliver_mail()["sent"] == 1
    (mail,) = smtp.to("nieuw@example.org")
    assert mail.message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.message.iter_parts()] == ["text/plain", "text/html"]
    link = _link(mail.text())
    assert link in mail.html()

    refused = client.post(
        "/inloggen", data={"email": "nieuw@example.org", "password": SIGN_UP["password"]}
    )
    assert "Bevestig eerst je e-mailadres" in refused.text

    assert client.get(link).status_code == 302
    logged_in = client.post("/inloggen", data={"email": "NIEUW@example.org",
                                               "password": SIGN_UP["password"], "remember": "y"})
    assert logged_in.status_code == 302
    assert "remember_token" in logged_in.headers.get("Set-Cookie", "") or any(
        "remember_token" in h for h in logged_in.headers.getlist("Set-Cookie"))


def test_passwords_are_stored_as_argon2id_hashes(client, region):
    client.post("/registreren", data=SIGN_UP)
    user = db.session.scalars(select(User).where(User.email == "nieuw@example.org")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert SIGN_UP["password"] not in user.password_hash


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"email": "geen-adres"}, "Vul een geldig e-mailadres in"),
        (
            {"password": "kort", "password_repeat": "kort"},
            "Kies een wachtwoord van minstens 10 tekens.",
        ),
        (
            {"password": "wachtwoord123", "password_repeat": "wachtwoord123"},
            "Kies een sterker wachtwoord: dit wachtwoord, of een dat erop lijkt,"
            " wordt veel gebruikt.",
        ),
        (
            {"password": "Noor.Visser", "password_repeat": "Noor.Visser"},
            "Kies een sterker wachtwoord: het lijkt op je naam of e-mailadres.",
        ),
        ({"skj_number": "12ab34"}, "alleen uit cijfers"),
    ],
)
def test_bad_sign_up_input_gives_dutch_field_errors_and_keeps_values(
        client, deelnemer, changes, field_message):
    before = db.session.scalar(select(db.func.count()).select_from(User))
    response = client.post("/registreren", data={**SIGN_UP, **changes})
    assert response.status_code == 200
    assert field_message in response.text
    assert 'value="Noor"' in response.text
    assert 'value="gezinsvoogd"' in response.text
    assert "error-summary" in response.text
    assert 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_login_does_not_reveal_whether_an_address_exists(client, deelnemer):
    unknown = client.post("/inloggen", data={"email": "niemand@example.org", "password": "x" * 12})
    wrong = client.post("/inloggen", data={"email": deelnemer.email, "password": "x" * 12})
    message = "Het e-mailadres of wachtwoord klopt niet."
    assert message in unknown.text
    assert message in wrong.text
    assert unknown.status_code == wrong.status_code


def test_password_reset_is_silent_about_unknown_addresses_and_works_once(
        client, deelnemer, smtp, deliver_mail, task_queue):
    unknown = client.post("/wachtwoord-vergeten", data={"email": "niemand@example.org"})
    known = client.post("/wachtwoord-vergeten", data={"email": deelnemer.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"]
    task_queue.run()
    deliver_mail()
    (mail,) = smtp.messages
    link = _link(mail.text())
    done = client.post(link, data={"password": "een nieuw lang wachtwoord",
                                   "password_repeat": "een nieuw lang wachtwoord"})
    assert done.status_code == 302
    again = client.get(link)
    assert again.status_code == 400
    assert "al gebruikt" in again.text
    assert accounts.authenticate(deelnemer.email, "een nieuw lang wachtwoord") is not None


@pytest.mark.parametrize("token", ["onzin", "eyJ1aWQiOjF9.geknoeid.abc"])
def test_unknown_or_tampered_tokens_give_a_clear_page(client, token):
    for url in (f"/bevestigen/{token}", f"/wachtwoord-herstellen/{token}"):
        response = client.get(url)
        assert response.status_code == 400
        assert "Deze link werkt niet" in response.text
        assert "Traceback" not in response.text


def test_an_expired_verification_link_is_explained(client, region, app, monkeypatch, smtp,
                                                   deliver_mail):
    client.post("/registreren", data=SIGN_UP)
    deliver_mail()
    link = _link(smtp.messages[0].text())
    monkeypatch.setitem(app.config, "TOKEN_MAX_AGE_SECONDS", -1)
    response = client.get(link)
    assert response.status_code == 400
    assert "verlopen" in response.text


def test_a_password_change_ends_other_sessions(app, deelnemer):
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/inloggen", data={"email": deelnemer.email, "password": PASSWORD})
    first.post("/profiel/wachtwoord", data={"pw-current_password": PASSWORD,
                                            "pw-password": "nog een lang wachtwoord",
                                            "pw-password_repeat": "nog een lang wachtwoord"})
    assert first.get("/profiel").status_code == 200
    assert second.get("/profiel").status_code == 302  # back to the login page


def test_csrf_protects_every_form(app, client, deelnemer, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    rejected = client.post("/inloggen", data={"email": deelnemer.email, "password": PASSWORD})
    assert rejected.status_code == 400
    page = client.get("/inloggen").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    accepted = client.post("/inloggen", data={"csrf_token": token, "email": deelnemer.email,
                                              "password": PASSWORD})
    assert accepted.status_code == 302


def test_login_is_rate_limited_with_a_dutch_page(app, client, deelnemer, monkeypatch):
    monkeypatch.setitem(app.config["RATE_LIMITS"], "login", "3 per 10 minutes")
    limiter.reset()
    try:
        for _ in range(3):
            client.post("/inloggen", data={"email": deelnemer.email, "password": "fout" * 3})
        blocked = client.post("/inloggen", data={"email": deelnemer.email, "password": "fout" * 3})
    finally:
        limiter.reset()
    assert blocked.status_code == 429
    assert "Even rustig aan" in blocked.text
    assert 0 < int(blocked.headers["Retry-After"]) <= 600


@pytest.fixture
def behind_one_proxy(app, tmp_path):
    """The portal as deployed behind one TLS proxy (TRUSTED_PROXIES=1), on the same data."""
    proxied = create_app(make_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path,
                                          TRUSTED_PROXIES=1))
    with proxied.app_context():
        yield proxied


@pytest.fixture
def fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def _failed_login(client, email, address):
    return client.post("/inloggen", data={"email": email, "password": "fout" * 3},
                       headers={"X-Forwarded-For": address})


def test_behind_a_trusted_proxy_each_client_address_has_its_own_login_limit(
        behind_one_proxy, deelnemer, monkeypatch, fresh_limits):
    monkeypatch.setitem(behind_one_proxy.config["RATE_LIMITS"], "login", "2 per 10 minutes")
    first, second = behind_one_proxy.test_client(), behind_one_proxy.test_client()
    for _ in range(2):
        assert _failed_login(first, "a@example.org", "203.0.113.7").status_code == 200
    assert _failed_login(first, "b@example.org", "203.0.113.7").status_code == 429
    assert _failed_login(second, "c@example.org", "198.51.100.4").status_code == 200
    # A client cannot pick its own address: the proxy appends the real one, and only that
    # hop is trusted.
    assert _failed_login(first, "d@example.org", "198.51.100.4, 203.0.113.7").status_code == 429


def test_without_trusted_proxies_forwarded_addresses_are_ignored(
        app, client, deelnemer, monkeypatch, fresh_limits):
    monkeypatch.setitem(app.config["RATE_LIMITS"], "login", "2 per 10 minutes")
    for _ in range(2):
        assert _failed_login(client, "a@example.org", "203.0.113.7").status_code == 200
    other = app.test_client()
    assert _failed_login(other, "c@example.org", "198.51.100.4").status_code == 429


def test_login_attempts_on_one_account_are_limited_across_addresses(
        behind_one_proxy, deelnemer, monkeypatch, fresh_limits):
    monkeypatch.setitem(behind_one_proxy.config["RATE_LIMITS"], "login_account",
                        "2 per 10 minutes")
    client = behind_one_proxy.test_client()
    assert _failed_login(client, deelnemer.email, "203.0.113.1").status_code == 200
    assert _failed_login(client, "DEELNEMER@example.org ", "203.0.113.2").status_code == 200
    blocked = client.post("/inloggen", data={"email": deelnemer.email, "password": PASSWORD},
                          headers={"X-Forwarded-For": "203.0.113.3"})
    assert blocked.status_code == 429
    assert "Even rustig aan" in blocked.text
    assert int(blocked.headers["Retry-After"]) > 0
    assert _failed_login(client, "ander@example.org", "203.0.113.3").status_code == 200


def test_organiser_requests_are_approved_or_denied_with_a_reason_by_the_region(
        client, auth, deelnemer, provider, regio_admin, other_region):
    auth.login(deelnemer)
    client.post("/organisator-worden", data={"organisation_id": str(provider.id),
                                             "motivation": "Ik organiseer werkbezoeken."})
    client.post("/organisator-worden", data={"new_organisation_name": "Nieuwe Zorg BV",
                                             "new_organisation_type": "zorgaanbieder"})
    existing, new = db.session.scalars(select(OrganiserRole).order_by(OrganiserRole.id)).all()
    assert client.get("/regio/aanvragen").status_code == 403
    auth.logout()

    outsider = make_user(other_region, "ander-regio@example.org", admin=True)
    auth.login(outsider)
    assert client.post(f"/regio/aanvragen/{existing.id}",
                       data={"decision": "approve"}).status_code == 403
    auth.logout()

    auth.login(regio_admin)
    page = client.get("/regio/aanvragen").text
    assert "Gezinshuis De Linde" in page
    assert "Nieuwe Zorg BV" in page
    client.post(f"/regio/aanvragen/{new.id}", data={"decision": "deny", "reason": ""})
    assert new.status is ApprovalStatus.REQUESTED
    client.post(f"/regio/aanvragen/{new.id}", data={"decision": "deny", "reason": "Onbekend"})
    client.post(f"/regio/aanvragen/{existing.id}", data={"decision": "approve"})
    db.session.expire_all()
    assert deelnemer.is_organiser_for(provider.id)
    assert new.status is ApprovalStatus.DENIED
    assert new.decision_reason == "Onbekend"
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "organiser_role.approved")).first() is not None
    kinds = {m.kind for m in db.session.scalars(select(OutboxMessage))}
    assert "organiser_decision" in kinds


def test_anonymous_visitors_are_sent_to_login_for_region_pages(client):
    response = client.get("/regio/")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/x", "//evil.example", "/%5Cevil.example",
    "/\\evil.example", "https://evil.example/", "/%20/evil.example", "javascript:alert(1)",
    "%2F%2Fevil.example", "/%e2%80%8b/evil.example",
])
def test_login_follows_only_a_path_on_this_site(client, deelnemer, target):
    response = client.post(f"/inloggen?next={target}",
                           data={"email": deelnemer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next_with_its_query(client, deelnemer):
    response = client.post("/inloggen?next=/programma%3Fjaar%3D2026",
                           data={"email": deelnemer.email, "password": PASSWORD})
    assert response.headers["Location"] == "/programma?jaar=2026"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r/x", "/\n/evil.example",
                                    "//evil.example", "/\\evil.example", "http://evil.example"])
def test_the_language_switch_follows_only_a_path_on_this_site(client, target):
    response = client.post("/taal/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.post("/taal/nl", data={"next": "/inloggen"}).headers["Location"] == "/inloggen"


def _login_cookies(app, user) -> dict[str, str]:
    browser = app.test_client()
    browser.post("/inloggen", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    return {name: browser.get_cookie(name).value for name in ("session", "remember_token")}


def _replay(app, cookies: dict[str, str]):
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser.get("/profiel")


def test_logging_out_ends_every_session_and_remember_cookie_of_the_user(app, client, deelnemer):
    elsewhere = _login_cookies(app, deelnemer)
    client.post("/inloggen", data={"email": deelnemer.email, "password": PASSWORD, "remember": "y"})
    here = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    assert _replay(app, here).status_code == 200

    client.post("/uitloggen")
    for cookies in (here, elsewhere):
        assert _replay(app, cookies).status_code == 302
        assert _replay(app, {"session": cookies["session"]}).status_code == 302
        assert _replay(app, {"remember_token": cookies["remember_token"]}).status_code == 302
    assert client.get("/profiel").status_code == 302


def test_a_password_change_ends_remembered_logins_too(app, deelnemer):
    remembered = _login_cookies(app, deelnemer)
    browser = app.test_client()
    browser.post("/inloggen", data={"email": deelnemer.email, "password": PASSWORD})
    browser.post("/profiel/wachtwoord", data={"pw-current_password": PASSWORD,
                                              "pw-password": "nog een lang wachtwoord",
                                              "pw-password_repeat": "nog een lang wachtwoord"})
    assert _replay(app, {"remember_token": remembered["remember_token"]}).status_code == 302
    assert browser.get("/profiel").status_code == 200


def test_line_breaks_and_control_characters_in_names_become_single_spaces(client, region):
    # A header injection attempt (without an address: a name may hold none, test_guarded_fields).
    client.post("/registreren", data={**SIGN_UP, "first_name": "Noor\r\nBcc: iedereen",
                                      "last_name": " Visser\x0b\x1b[31m ",
                                      "function": "gezins\u2028voogd\t\tGI"})
    user = db.session.scalars(select(User).where(User.email == "nieuw@example.org")).one()
    assert (user.first_name, user.last_name, user.function) == (
        "Noor Bcc: iedereen", "Visser [31m", "gezins voogd GI")


def test_the_profile_keeps_names_on_one_line(as_deelnemer, deelnemer):
    response = as_deelnemer.post("/profiel", data={
        "first_name": "Sanne\r\n", "last_name": "de\nJong", "function": "jeugd\rconsulent",
        "preferred_language": "nl"})
    assert response.status_code == 302
    db.session.refresh(deelnemer)
    assert (deelnemer.first_name, deelnemer.last_name, deelnemer.function) == (
        "Sanne", "de Jong", "jeugd consulent")



def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(
        client, deelnemer, smtp, deliver_mail, task_queue):
    for email in ("niemand@example.org", "Deelnemer@Example.org"):
        response = client.post("/wachtwoord-vergeten", data={"email": email})
        assert response.status_code == 302
        assert response.headers["Location"] == "/inloggen"
        # Nothing looked up or written in the request: the worker does that.
        assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0
    assert task_queue.names() == ["send_password_reset"] * 2
    assert task_queue.run()[:2] == ["send_password_reset"] * 2
    deliver_mail()
    (mail,) = smtp.messages
    assert mail.recipients == ["deelnemer@example.org"]
    assert mail.subject == "Nieuw wachtwoord instellen"


def test_signing_up_with_a_known_address_looks_the_same_and_tells_the_owner(
        client, deelnemer, smtp, deliver_mail):
    before = db.session.scalar(select(db.func.count()).select_from(User))
    response = client.post("/registreren", data={**SIGN_UP, "email": "Deelnemer@Example.org"})
    fresh = client.post("/registreren", data=SIGN_UP)
    assert response.status_code == fresh.status_code == 200
    assert "<h1>Bevestig je e-mailadres</h1>" in response.text
    assert response.text.replace("Deelnemer@Example.org", "nieuw@example.org") == fresh.text
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before + 1
    deliver_mail()
    (mail,) = smtp.to("deelnemer@example.org")
    assert mail.subject == "Je hebt al een account bij het Regionaal Leerhuis"
    assert ("Er is geprobeerd een account aan te maken met je adres, maar je hebt al een "
            "account bij ons.") in mail.text()
    assert _link(mail.text()) == "/wachtwoord-vergeten"
    assert deelnemer.password_hash == db.session.get(User, deelnemer.id).password_hash


WEAK = ["qwertyuiop", "wachtwoord2", "Password12"]
COMMON = "Kies een sterker wachtwoord: dit wachtwoord, of een dat erop lijkt, wordt veel gebruikt."


@pytest.mark.parametrize("password", WEAK)
def test_sign_up_refuses_a_guessable_password(client, region, password):
    response = client.post("/registreren", data={**SIGN_UP, "password": password,
                                                 "password_repeat": password})
    assert response.status_code == 200
    assert COMMON in response.text
    assert db.session.scalars(select(User).where(User.email == "nieuw@example.org")).first() is None


@pytest.mark.parametrize("password", WEAK)
def test_a_password_change_refuses_a_guessable_password(as_deelnemer, deelnemer, password):
    response = as_deelnemer.post("/profiel/wachtwoord", data={
        "pw-current_password": PASSWORD, "pw-password": password,
        "pw-password_repeat": password})
    assert response.status_code == 400
    assert COMMON in response.text
    assert accounts.authenticate(deelnemer.email, PASSWORD) is not None


@pytest.mark.parametrize("password", [*WEAK, "Sanne Jansen", "deelnemer@example.org"])
def test_a_reset_refuses_a_guessable_password(client, deelnemer, smtp, deliver_mail, task_queue,
                                              password):
    client.post("/wachtwoord-vergeten", data={"email": deelnemer.email})
    task_queue.run()
    deliver_mail()
    link = _link(smtp.messages[0].text())
    response = client.post(link, data={"password": password, "password_repeat": password})
    assert response.status_code == 200
    assert "Kies een sterker wachtwoord: " in response.text
    assert accounts.authenticate(deelnemer.email, PASSWORD) is not None


@pytest.mark.parametrize("password", [PASSWORD, DEMO_PASSWORD, SIGN_UP["password"]])
def test_the_test_and_demo_passwords_are_strong_enough(password):
    accounts.check_password_strength(password, email="deelnemer@example.org",
                                     names=("Sanne", "Jansen"))


def test_asking_for_a_new_verification_link_looks_the_same_for_every_address(
        client, region, task_queue, smtp, deliver_mail):
    """The request looks nothing up and writes nothing, whatever the address: its answer and
    its duration cannot tell whether an address has an account. The worker sends the link."""
    unverified = make_user(region, "nieuw@example.org", verified=False)
    make_user(region, "bevestigd@example.org")
    answers = [client.post("/bevestiging-opnieuw", data={"email": email})
               for email in ("nieuw@example.org", "bevestigd@example.org", "niemand@example.org")]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {(302, "/inloggen")}
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert task_queue.run().count("send_verification_again") == 3
    deliver_mail()
    assert [m.recipients for m in smtp.messages] == [[unverified.email]]


# --- Organiser requests ------------------------------------------------------------------


def test_organiser_requests_are_paginated(as_regio, region, municipality_team):
    for n in range(23):
        user = make_user(region, f"aanvrager{n:02d}@example.org", first_name=f"Aanvrager{n:02d}",
                         last_name="Test")
        db.session.add(OrganiserRole(user=user, organisation=municipality_team,
                                     status=ApprovalStatus.REQUESTED,
                                     requested_at=utcnow() - timedelta(hours=100 - n)))
    db.session.commit()
    first = as_regio.get("/regio/aanvragen").get_data(as_text=True)
    assert "23 aanvragen wachten op een besluit." in first
    assert "Aanvrager00" in first
    assert "Aanvrager19" in first
    assert "Aanvrager20" not in first
    second = as_regio.get("/regio/aanvragen?page=2").get_data(as_text=True)
    assert "Aanvrager20" in second
    assert "Aanvrager22" in second
    assert "Aanvrager00" not in second
