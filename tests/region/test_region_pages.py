"""The Region's pages: stored mail without token links, and every page scoped to the
admin's own region (issue 20)."""

import email
import email.policy
import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from conftest import make_user
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Attendance,
    AttendanceSource,
    AttendanceState,
    AuditEvent,
    EvaluationResponse,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Invitation,
    InvitationBatch,
    Lesson,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    Organisation,
    OrganisationType,
    OrganiserRole,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import accounts, audit, outbox, region_admin

RESET_LINK = re.compile(r"http://leerhuis\.test/wachtwoord-herstellen/(\S+)")


def _stored_text(row: OutboxMessage) -> str:
    parsed = email.message_from_bytes(row.mime, policy=email.policy.default)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def test_the_region_reads_a_reset_mail_without_its_link_and_the_reading_is_logged(
        client, as_regio, regio_admin, deelnemer, smtp, deliver_mail, task_queue):
    # The probe: trigger a reset for someone else, then read the mail in the outbox.
    assert client.post("/wachtwoord-vergeten", data={"email": deelnemer.email}).status_code == 302
    task_queue.run()  # the worker writes the reset mail
    row = db.session.scalars(select(OutboxMessage)).one()
    token = RESET_LINK.search(_stored_text(row)).group(1)

    for path in ("/regio/mail", f"/regio/mail/{row.id}"):
        page = as_regio.get(path)
        assert page.status_code == 200
        assert token not in page.text
    assert "[link verborgen]" in as_regio.get(f"/regio/mail/{row.id}").text

    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.viewed")).all()
    assert [(e.actor_id, e.subject) for e in viewed] == [
        (regio_admin.id, f"outbox_message:{row.id}")] * 2
    assert "verzonden e-mail bekeken" in as_regio.get("/regio/audit").text

    # The mail delivered still carries the link.
    deliver_mail()
    (delivered,) = smtp.to(deelnemer.email)
    assert token in delivered.text()
    assert token in smtp.to(deelnemer.email)[0].text()


def test_every_token_link_is_hidden_and_other_links_stay(app, region):
    with app.test_request_context():
        text = ("Bevestig: http://leerhuis.test/bevestigen/abc.def-1\n"
                "Wachtlijst: http://leerhuis.test/wachtlijst/XyZ_9.\n"
                "Evaluatie: http://leerhuis.test/evaluatie/tok.en\n"
                "Agenda: http://leerhuis.test/agenda/geheim123.ics\n"
                "Herstel: https://elders.example/wachtwoord-herstellen/t0k\n"
                "Activiteit: http://leerhuis.test/activiteiten/12\n"
                "Bewijs: http://leerhuis.test/certificaat/LH-AB12\n")
        shown = region_admin.redact_secret_links(text)
    for secret in ("abc.def-1", "XyZ_9", "tok.en", "geheim123", "t0k"):
        assert secret not in shown
    assert shown.count("[link verborgen]") == 5
    assert "http://leerhuis.test/activiteiten/12" in shown
    assert "http://leerhuis.test/certificaat/LH-AB12" in shown


def test_the_audit_log_shows_only_the_admins_own_region(
        app, client, auth, region, other_region, regio_admin, deelnemer):
    utrecht_admin = make_user(other_region, "uw-regio@example.org", admin=True,
                              first_name="Utrecht", last_name="Beheerder")
    audit.record("certificate.revoked", actor=regio_admin, subject="certificate:GOOI-0001")
    audit.record("certificate.revoked", actor=utrecht_admin, subject="certificate:UTRW-0002")
    db.session.commit()

    auth.login(utrecht_admin)
    page = client.get("/regio/audit").text
    assert "UTRW-0002" in page
    assert "GOOI-0001" not in page
    assert regio_admin.full_name not in page

    auth.logout()
    auth.login(regio_admin)
    page = client.get("/regio/audit").text
    assert "GOOI-0001" in page
    assert "UTRW-0002" not in page
    assert "Utrecht Beheerder" not in page


def test_outbox_mail_of_another_region_is_not_listed(app, region, other_region, as_regio):
    utrecht = make_user(other_region, "utrecht@example.org")
    with app.test_request_context():
        outbox.queue_message(outbox.build_message(to=utrecht.email, subject="Alleen Utrecht",
                                                  text="…"), user=utrecht)
    db.session.commit()
    assert "Alleen Utrecht" not in as_regio.get("/regio/mail").text


def test_a_region_never_sees_a_reset_mail_of_another_regions_user(
        region, other_region, as_regio):
    utrecht = make_user(other_region, "utrecht@example.org")
    accounts.send_password_reset_mail(utrecht.email)
    db.session.commit()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert as_regio.get(f"/regio/mail/{row.id}").status_code == 404


# --- Every /regio page, seen by the admin of another region -----------------------------

SECRET = "GOOI-GEHEIM"


@pytest.fixture
def gooi_data(app, region, provider, deelnemer, regio_admin):
    """Something of Gooi en Vechtstreek's on every Region page, each marked SECRET."""
    requester = make_user(region, "vraagt@example.org", last_name=SECRET)
    visit = db.session.scalars(select(EventType).where(EventType.code == "werkbezoek")).one()
    start = utcnow()
    event = Event(region_id=region.id, type=visit, organisation=provider,
                  programme_year=start.year, status=EventStatus.SUBMITTED, submitted_at=start,
                  title=f"{SECRET} werkbezoek", address="A", city="B")
    event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                   net_hours=Decimal(2))]
    db.session.add(event)
    db.session.flush()
    registration = Registration(event_id=event.id, user_id=deelnemer.id,
                                status=RegistrationStatus.CONFIRMED,
                                municipality_name=f"{SECRET} gemeente")
    db.session.add(registration)
    db.session.flush()
    db.session.add_all([
        Attendance(registration_id=registration.id, session_id=event.sessions[0].id,
                   state=AttendanceState.PRESENT, source=AttendanceSource.ORGANISER),
        EvaluationResponse(event_id=event.id, answered_on=start.date(), grade=8, usefulness=7,
                           do_differently=f"{SECRET} antwoord"),
        Organisation(name=f"{SECRET} organisatie", type=OrganisationType.WELZIJN, region=region,
                     status=ApprovalStatus.REQUESTED),
        OrganiserRole(user=requester, organisation=provider),
        Lesson(region_id=region.id, title=f"{SECRET} les", source=LessonSource.GESPREK,
               kind=LessonKind.POSITIVE, phase=LessonPhase.PREVENTIE, status=LessonStatus.REVIEW),
        EventType(code="supervisie", name_nl=f"{SECRET} soort", name_en="Supervision",
                  region_id=region.id),
    ])
    with app.test_request_context():
        outbox.queue_message(outbox.build_message(to=deelnemer.email, subject=f"{SECRET} mail",
                                                  text="…"), user=deelnemer)
    audit.record("certificate.revoked", actor=regio_admin, subject=f"certificate:{SECRET}")
    db.session.commit()
    return event


def _region_pages(app) -> list[str]:
    year = utcnow().year
    values = {"year": year, "grouping": "soort"}
    return sorted({app.url_map.bind("localhost").build(
        rule.endpoint, {key: values[key] for key in rule.arguments})
                   for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/regio") and "GET" in rule.methods
                   and set(rule.arguments) <= set(values)})


def _readable(response) -> str:
    with response:
        if response.mimetype.endswith("spreadsheetml.sheet"):
            book = openpyxl.load_workbook(io.BytesIO(response.data))
            return "\n".join(str(cell) for sheet in book
                             for row in sheet.iter_rows(values_only=True) for cell in row)
        if response.mimetype == "application/pdf":  # compressed; built from the same overview
            return ""
        return response.get_data(as_text=True)


def test_every_region_page_is_checked(app):
    pages = _region_pages(app)
    assert "/regio/audit" in pages
    assert "/regio/overzichten/presentie.xlsx" in pages
    assert len(pages) >= 17


def test_no_region_page_shows_another_regions_data(
        app, client, auth, gooi_data, other_region, regio_admin):
    pages = _region_pages(app)
    auth.login(regio_admin)
    seen = {path for path in pages if SECRET in _readable(client.get(path))}
    # Sanity: the Gooi admin sees Gooi data on the pages that list it.
    assert {"/regio/aanvragen", "/regio/audit", "/regio/beoordelen",
            "/regio/evaluaties.csv", "/regio/lessen", "/regio/mail", "/regio/soorten",
            "/regio/overzichten/presentie.csv", "/regio/overzichten/presentie.xlsx"} <= seen
    auth.logout()

    auth.login(make_user(other_region, "uw-regio@example.org", admin=True))
    leaks = []
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        if SECRET in _readable(response):
            leaks.append(path)
    assert leaks == []


# --- Mail pages scoped to the admin's own region -----------------------------------------


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
    assert ours.subject in listing
    assert invited.subject in listing
    assert theirs.subject not in listing
    assert stranger.subject not in listing
    assert "Wachtend (2)" in listing
    assert as_regio.get(f"/regio/mail/{ours.id}").status_code == 200
    assert as_regio.get(f"/regio/mail/{invited.id}").status_code == 200
    assert as_regio.get(f"/regio/mail/{theirs.id}").status_code == 404
    assert as_regio.get(f"/regio/mail/{stranger.id}").status_code == 404
    assert as_regio.post(f"/regio/mail/{theirs.id}/opnieuw").status_code == 404
    assert "2 wachtend" in as_regio.get("/regio/").text
