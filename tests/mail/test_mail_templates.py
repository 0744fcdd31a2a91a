"""Every mail the portal sends reads well in both parts: each template under emails/ has a
plain-text and an HTML version, rendered through the outbox in the recipient's language with
realistic data, carrying the call-to-action link, the region's Leerhuis name and a footer that
says why the person gets it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from conftest import ROOT
from jinja2 import StrictUndefined
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Certificate,
    CertificateStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    InvitationBatch,
    OrganiserRole,
    Registration,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import outbox

EMAILS = ROOT / "leerhuis" / "templates" / "emails"
TEMPLATES = sorted(p.stem for p in EMAILS.glob("*.txt") if not p.stem.startswith("_"))
LINK = "http://leerhuis.test/activiteiten/7"


def test_every_mail_template_has_a_plain_text_and_an_html_part():
    html = {p.stem for p in EMAILS.glob("*.html") if not p.stem.startswith("_")}
    assert TEMPLATES, "no mail templates found"
    assert set(TEMPLATES) == html, {"only text": set(TEMPLATES) - html,
                                    "only html": html - set(TEMPLATES)}


def test_every_mail_template_has_a_reason_in_its_footer():
    missing = [t for t in TEMPLATES if t not in outbox.MAIL_REASONS]
    assert missing == [], f"add a 'why you get this' line to outbox.MAIL_REASONS for {missing}"


@pytest.fixture
def strict_templates(app, monkeypatch):
    """A variable a mail template uses but the context lacks fails the test instead of
    silently printing nothing."""
    monkeypatch.setattr(app.jinja_env, "undefined", StrictUndefined)


@pytest.fixture
def mail_context(region, provider, deelnemer, organisator):
    start = (utcnow() + timedelta(days=10)).replace(hour=12, minute=0, second=0, microsecond=0)
    event_type = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    event = Event(region_id=region.id, type=event_type, organisation=provider,
                  programme_year=start.year, status=EventStatus.PUBLISHED,
                  title="Gesprekstechnieken rond uithuisplaatsing", summary="Moeilijke gesprekken.",
                  venue_name="Gezinshuis De Linde", address="Plein 1", postcode="1271 AA",
                  city="Huizen", capacity=20, cancel_reason="De trainer is ziek.")
    event.sessions = [EventSession(starts_at=start + timedelta(days=7 * i),
                                   ends_at=start + timedelta(days=7 * i, hours=3),
                                   break_minutes=30, net_hours=Decimal("2.5")) for i in range(2)]
    db.session.add(event)
    db.session.flush()
    registration = Registration(event_id=event.id, user_id=deelnemer.id,
                                status=RegistrationStatus.WAITLISTED,
                                organisation_id=deelnemer.organisation_id)
    db.session.add(registration)
    db.session.commit()
    certificate = Certificate(code="LH-7K3M-9QXT", event_title=event.title,
                              participant_name=deelnemer.full_name, net_hours=Decimal(5),
                              first_date=start, status=CertificateStatus.VALID)
    role = db.session.scalars(select(OrganiserRole).where(
        OrganiserRole.user_id == organisator.id)).one()
    role.decision_reason = "Welkom als organisator."
    batch = InvitationBatch(region_id=region.id, event=event, programme_year=start.year,
                            message="Speciaal voor consulenten in de wijkteams.")
    return {
        "event": event, "session": event.sessions[1], "session_index": 2, "method": "REQUEST",
        "registration": registration, "position": 3, "offered_until": start - timedelta(days=2),
        "reason": "promoted", "certificate": certificate, "role": role, "approved": True,
        "batch": batch, "name": deelnemer.first_name, "body": "Neem je eigen casus mee.",
        "hours": 1, "link": LINK,
        "waitlist_link": "http://leerhuis.test/wachtlijst/token-123",
        "sign_up_link": "http://leerhuis.test/registreren",
    }


def _queued_parts(row) -> tuple[str, str]:
    message = message_from_bytes(row.mime, policy=default_policy)
    return tuple(message.get_body(preferencelist=(kind,)).get_content().replace("\r\n", "\n")
                 for kind in ("plain", "html"))


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_each_mail_reads_well_in_text_and_html(template, language, mail_context, deelnemer,
                                                strict_templates, app):
    deelnemer.preferred_language = language
    with app.test_request_context():
        row = outbox.queue_template_mail(template, to=deelnemer.email, user=deelnemer,
                                         subject="Onderwerp", **mail_context)
    text, html = _queued_parts(row)

    assert text.strip()
    assert html.strip()
    assert LINK in text or mail_context["waitlist_link"] in text, text
    assert re.search(rf'href="({re.escape(LINK)}|{re.escape(mail_context["waitlist_link"])})"',
                     html), html
    for part in (text, html):
        assert "Regionaal Leerhuis Gooi en Vechtstreek" in part
        assert "{{" not in part
        assert "{%" not in part
    assert "\n-- \n" in text  # the footer is a signature mail clients recognise
    reason = {"nl": "Je krijgt deze e-mail", "en": "You are receiving this e-mail"}[language]
    assert reason in text
    assert reason in html
    assert f'<html lang="{language}">' in html
    assert "Beste" in text if language == "nl" else "Dear" in text


def test_an_invitation_to_someone_without_an_account_offers_to_make_one(mail_context, app,
                                                                        strict_templates):
    context = {**mail_context, "name": None}
    with app.test_request_context():
        row = outbox.queue_template_mail("invitation", to="nieuw@example.org", user=None,
                                         subject="Uitnodiging", **context)
    text, html = _queued_parts(row)
    assert "Beste professional," in text
    assert "http://leerhuis.test/registreren" in text
    assert 'href="http://leerhuis.test/registreren"' in html
    assert "de regio je uitnodigt" in text
