"""Who sees whom (services/visibility.py): every view, export, mail and API that shows
participants, rendered as each role, for an event with a participant who shared their name
and one who did not."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from conftest import make_event, make_registration, make_user
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceState,
    Event,
    EventStatus,
    Organisation,
    OrganisationType,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import attendance, certificates, participants, visibility

# What would identify the participant who did not share their name.
QUIET = {"first_name": "Stille", "last_name": "Onbekend", "email": "stil@example.org",
         "skj_number": "100999888", "organisation": "Veilig Thuis Gooi",
         "function": "aandachtsfunctionaris"}
OPEN_SKJ = "100111222"


def _event(region, provider, *, accredited=False) -> Event:
    return make_event(region, provider, days_from_now=-3, status=EventStatus.FINISHED,
                      summary="Moeilijke gesprekken.", trainer="Trainer Gesprekstechnieken",
                      accredited=accredited)


def _register(event, user, *, consent: bool) -> Registration:
    return make_registration(event, user, consent=consent, municipality_name="Wijdemeren",
                             diet="vegetarisch" if consent else "glutenvrij")


@pytest.fixture
def people(region, municipality_team):
    safe_house = Organisation(name=QUIET["organisation"], type=OrganisationType.VEILIG_THUIS,
                              region=region, municipality=region.municipalities[2])
    db.session.add(safe_house)
    db.session.commit()
    open_one = make_user(region, "open@example.org", organisation=municipality_team,
                         first_name="Open", last_name="Zichtbaar", function="jeugdconsulent",
                         skj_number=OPEN_SKJ)
    quiet = make_user(region, QUIET["email"], organisation=safe_house,
                      first_name=QUIET["first_name"], last_name=QUIET["last_name"],
                      function=QUIET["function"], skj_number=QUIET["skj_number"])
    return open_one, quiet


@pytest.fixture
def course(region, provider, people):
    event = _event(region, provider)
    open_one, quiet = people
    # A cancelled registration first: pseudonyms count every registration ever made.
    earlier = make_user(region, "eerder@example.org", first_name="Eerder", last_name="Weg")
    db.session.add(Registration(event_id=event.id, user_id=earlier.id,
                                status=RegistrationStatus.CANCELLED, registered_at=utcnow()))
    db.session.commit()
    return event, _register(event, open_one, consent=True), _register(event, quiet, consent=False)


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def _xlsx(data: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [
        [("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)
    ]


def _pdf(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _everything(client, event) -> dict[str, tuple[int, str]]:
    """url → (status, readable text) of every view and export that shows participants."""
    session = event.sessions[0]
    base = f"/activiteiten/{event.id}"
    found = {}
    for url, read in ((f"{base}/deelnemers", None), (f"{base}/deelnemers.csv", _csv),
                      (f"{base}/deelnemers.xlsx", _xlsx), (f"{base}/presentie", None),
                      (f"{base}/presentielijst/{session.id}.pdf", _pdf), (base, None),
                      (f"/api/v1/evenementen/{event.id}", None), ("/api/v1/evenementen", None),
                      (f"{base}/agenda.ics", None)):
        response = client.get(url)
        text = (str(read(response.data)) if read and response.status_code == 200
                else response.get_data(as_text=True))
        found[url] = (response.status_code, text)
    return found


def _leaks(texts: dict[str, tuple[int, str]], secrets) -> dict[str, list[str]]:
    return {url: hits for url, (_status, text) in texts.items()
            if (hits := [s for s in secrets if s in text])}


def test_an_organiser_sees_a_name_only_with_consent_and_never_an_skj_number_or_e_mail(
        course, client, auth, organisator, quiet_checks_in):
    event, _shared, _quiet = course
    auth.login(organisator)
    seen = _everything(client, event)
    assert _leaks(seen, [*QUIET.values(), OPEN_SKJ, "open@example.org"]) == {}
    base = f"/activiteiten/{event.id}"
    assert {url: status for url, (status, _text) in seen.items()} == dict.fromkeys(seen, 200)
    for url in (f"{base}/deelnemers", f"{base}/presentie",
                f"{base}/presentielijst/{event.sessions[0].id}.pdf"):
        assert "Open Zichtbaar" in seen[url][1], url
        assert "Deelnemer 3" in seen[url][1], url
    rows = _csv(client.get(f"{base}/deelnemers.csv").data)
    assert rows[0] == ["naam", "organisatie", "functie", "gemeente", "status",
                       "plaats op wachtlijst", "aangemeld op", "dieetwensen", "toegankelijkheid"]
    assert [row[:5] + row[7:8] for row in rows[1:]] == [
        ["Open Zichtbaar", "Jeugdteam Hilversum", "jeugdconsulent", "Wijdemeren", "bevestigd",
         "vegetarisch"],
        ["Deelnemer 3", "", "", "", "bevestigd", "glutenvrij"]]
    assert _xlsx(client.get(f"{base}/deelnemers.xlsx").data) == rows


def test_the_organiser_keeps_attendance_for_who_did_not_share_their_name(
        course, client, auth, organisator, quiet_checks_in):
    event, _shared, quiet = course
    session = event.sessions[0]
    auth.login(organisator)
    response = client.post(f"/activiteiten/{event.id}/presentie",
                           data={f"mark-{quiet.id}-{session.id}": "afwezig"})
    assert response.status_code == 302
    mark = db.session.scalars(select(Attendance).where(
        Attendance.registration_id == quiet.id)).one()
    assert mark.state is AttendanceState.ABSENT
    page = client.get(f"/activiteiten/{event.id}/presentie").text
    assert f'for="mark-{quiet.id}-{session.id}">Presentie van Deelnemer 3' in page
    # The history names her self check-in by her pseudonym, the organiser by name.
    assert "<td>Deelnemer 3</td>" in page
    assert "<td>Mila de Vries</td>" in page
    assert _leaks({"sheet": (200, page)}, QUIET.values()) == {}


@pytest.fixture
def quiet_checks_in(course, people):
    event, _shared, _quiet = course
    session = event.sessions[0]
    code = attendance.ensure_checkin_code(session)
    attendance.self_checkin(session, people[1], code, now=session.starts_at)
    db.session.commit()


def test_the_region_sees_everyone_in_full(course, client, auth, regio_admin, quiet_checks_in):
    event, _shared, _quiet = course
    auth.login(regio_admin)
    seen = _everything(client, event)
    base = f"/activiteiten/{event.id}"
    for url in (f"{base}/deelnemers", f"{base}/deelnemers.csv", f"{base}/deelnemers.xlsx"):
        for expected in ("Open Zichtbaar", "Stille Onbekend", QUIET["skj_number"], OPEN_SKJ,
                         QUIET["organisation"], QUIET["function"]):
            assert expected in seen[url][1], (url, expected)
    for url in (f"{base}/deelnemers.csv", f"{base}/deelnemers.xlsx"):
        assert QUIET["email"] in seen[url][1]
        assert "open@example.org" in seen[url][1]
    for url in (f"{base}/presentie", f"{base}/presentielijst/{event.sessions[0].id}.pdf"):
        assert "Stille Onbekend" in seen[url][1]
        assert "Deelnemer 3" not in seen[url][1]
    assert _csv(client.get(f"{base}/deelnemers.csv").data)[0] == [
        header for header, _field in participants.COLUMNS]


@pytest.mark.parametrize("who", ["other_organisator", "open", "quiet", "anonymous"])
def test_nobody_else_sees_any_participant(course, people, client, auth, request, who,
                                          quiet_checks_in):
    event, _shared, _quiet = course
    users = {"open": people[0], "quiet": people[1], "anonymous": None}
    user = users[who] if who in users else request.getfixturevalue(who)
    if user is not None:
        auth.login(user)
    seen = _everything(client, event)
    base = f"/activiteiten/{event.id}"
    staff_only = [url for url in seen if url.startswith(f"{base}/") and not url.endswith(".ics")]
    expected = 302 if user is None else 403
    assert {url: seen[url][0] for url in staff_only} == dict.fromkeys(staff_only, expected)
    others = [*QUIET.values(), "Open Zichtbaar", OPEN_SKJ, "open@example.org"]
    own = {"open": ["Open Zichtbaar", OPEN_SKJ, "open@example.org"],
           "quiet": list(QUIET.values())}.get(who, [])
    public = {url: seen[url] for url in seen if url not in staff_only}
    assert _leaks(public, [s for s in others if s not in own]) == {}
    # Who did not share their name learns the pseudonym to give at the door.
    assert ("sta je als Deelnemer 3" in seen[base][1]) is (who == "quiet")


def test_a_message_to_participants_reaches_each_alone_with_only_their_own_name(
        course, people, client, auth, organisator):
    event, _shared, _quiet = course
    auth.login(organisator)
    client.post(f"/activiteiten/{event.id}/deelnemers",
                data={"bericht-subject": "Route", "bericht-body": "Parkeren achter het gebouw."})
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "participant_message").order_by(OutboxMessage.recipient)).all()
    assert [m.recipient for m in mails] == ["open@example.org", QUIET["email"]]
    for mail, (own, other) in zip(mails, [("Open", "Stille"), ("Stille", "Open")], strict=True):
        message = message_from_bytes(mail.mime, policy=default_policy)
        assert message["To"] == mail.recipient
        assert message["Cc"] is None
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert f"Beste {own}," in body
        assert other not in body


def test_the_skj_points_export_of_an_accredited_training_names_who_earned_points(
        region, provider, people, client, auth, organisator, other_organisator, regio_admin):
    """The provider enters the points in Mijn SKJ: the registration form says the name and
    SKJ number go to the organiser for that, so this one export carries them."""
    event = _event(region, provider, accredited=True)
    open_one, quiet_user = people
    shared = _register(event, open_one, consent=True)
    quiet = _register(event, quiet_user, consent=False)
    for registration in (shared, quiet):
        attendance.mark(registration, event.sessions[0], AttendanceState.PRESENT, by=organisator)
    db.session.commit()
    url = f"/activiteiten/{event.id}/skj-punten.csv"
    first = event.sessions[0].starts_at.astimezone(visibility.programme.AMSTERDAM)
    expected = [["SKJ-registratienummer", "achternaam", "voornaam", "datum",
                 "accreditatienummer", "punten"],
                [OPEN_SKJ, "Zichtbaar", "Open", f"{first:%d-%m-%Y}", "SKJ-2026-0042", "3"],
                [QUIET["skj_number"], "Onbekend", "Stille", f"{first:%d-%m-%Y}", "SKJ-2026-0042",
                 "3"]]
    for staff in (organisator, regio_admin):
        auth.login(staff)
        assert _csv(client.get(url).data) == expected
        auth.logout()
    auth.login(other_organisator)
    assert client.get(url).status_code == 403
    auth.logout()
    # Told on the form, before registering.
    auth.login(make_user(region, "nieuw@example.org"))
    event.status = EventStatus.PUBLISHED
    event.sessions[0].starts_at += timedelta(days=30)
    event.sessions[0].ends_at += timedelta(days=30)
    db.session.commit()
    page = client.get(f"/activiteiten/{event.id}").text
    assert "krijgt daarvoor na afloop je naam en SKJ-registratienummer" in page


def test_the_service_gives_each_viewer_exactly_their_fields(course, people, organisator,
                                                            other_organisator, regio_admin):
    event, shared, quiet = course
    assert visibility.participant_view(quiet, organisator) == visibility.ParticipantView(
        registration_id=quiet.id, number=3, display_name="Deelnemer 3", pseudonymous=True,
        email=None, organisation=None, function=None, municipality=None, skj_number=None,
        diet="glutenvrij", accessibility="")
    assert visibility.participant_view(shared, organisator) == visibility.ParticipantView(
        registration_id=shared.id, number=2, display_name="Open Zichtbaar", pseudonymous=False,
        email=None, organisation="Jeugdteam Hilversum", function="jeugdconsulent",
        municipality="Wijdemeren", skj_number=None, diet="vegetarisch", accessibility="")
    for viewer in (regio_admin, people[1]):
        view = visibility.participant_view(quiet, viewer)
        assert (view.display_name, view.email, view.skj_number, view.organisation) == (
            "Stille Onbekend", QUIET["email"], QUIET["skj_number"], QUIET["organisation"])
    assert visibility.participant_view(quiet, other_organisator) is None
    assert visibility.participant_view(quiet, people[0]) is None
    assert visibility.participant_views(event, [shared, quiet], people[0]).keys() == {shared.id}


def test_an_organiser_opens_a_certificate_only_of_who_shared_their_name(
        course, people, client, auth, organisator, regio_admin):
    """A bewijs van deelname carries the full name and SKJ number: the organiser may open it
    (and manage it) only where they may see that name; the Region and the holder always."""
    event, shared, quiet = course
    for registration in (shared, quiet):
        attendance.mark(registration, event.sessions[0], AttendanceState.PRESENT, by=organisator)
    event.attendance_closed_at = utcnow()
    db.session.commit()
    codes = {registration.id: certificates.issue_one(registration, by=regio_admin).code
             for registration in (shared, quiet)}
    db.session.commit()
    _open_one, quiet_user = people

    def answers(user) -> dict[str, int]:
        auth.login(user)
        got = {}
        for who, registration in (("open", shared), ("stil", quiet)):
            for page in ("/pdf", "/beheer"):
                with client.get(f"/certificaat/{codes[registration.id]}{page}") as response:
                    got[f"{who}:{page}"] = response.status_code
        auth.logout()
        return got

    assert answers(organisator) == {"open:/pdf": 200, "open:/beheer": 200,
                                    "stil:/pdf": 403, "stil:/beheer": 403}
    assert answers(regio_admin) == dict.fromkeys(
        ("open:/pdf", "open:/beheer", "stil:/pdf", "stil:/beheer"), 200)
    assert answers(quiet_user)["stil:/pdf"] == 200
