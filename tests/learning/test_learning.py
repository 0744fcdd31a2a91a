"""Klankbordgroep, uitvoeringsagenda, lessons register with Dutch search, anonymous evaluations."""

import base64
import csv
import hashlib
import io
import re
import zipfile
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from conftest import make_user
from pypdf import PdfReader
from sqlalchemy import DateTime, func, inspect, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from leerhuis.demo.seed import seed_demo
from leerhuis.extensions import db
from leerhuis.models import (
    AgendaAction,
    ApprovalStatus,
    Attendance,
    AttendanceSource,
    AttendanceState,
    EvaluationResponse,
    EvaluationToken,
    Event,
    EventSession,
    EventStatus,
    EventType,
    GroupType,
    Invitation,
    KlankbordGroup,
    KlankbordMember,
    LessonKind,
    LessonPhase,
    LessonSource,
    LessonStatus,
    Organisation,
    OrganisationType,
    OrganiserRole,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from leerhuis.services import (
    agenda,
    anonymisation,
    evaluations,
    klankbordgroep,
    lessons,
    registrations,
)
from leerhuis.services.programme import PrivacyCheckFailed
from leerhuis.services.tokens import make_token


@pytest.fixture(scope="module", autouse=True)
def _deduce_loaded():
    anonymisation._load_deduce()


@pytest.fixture
def group(region, organisator, regio_admin, provider):
    db.session.add(Organisation(name="Regio Gooi en Vechtstreek", type=OrganisationType.REGIO,
                                region=region))
    group = KlankbordGroup(region_id=region.id, name="Zo thuis mogelijk opgroeien",
                           type=GroupType.PARTNERS, chair=regio_admin)
    group.members = [KlankbordMember(user=organisator, organisation_id=organisator.organisation_id)]
    db.session.add(group)
    db.session.commit()
    meeting = klankbordgroep.plan_meeting(
        group,
        day=date.today() + timedelta(days=30),
        start=time(10),
        end=time(12),
        place="Gemeentehuis, Hilversum",
        by=regio_admin,
    )
    db.session.commit()
    return group, meeting


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_only_members_and_the_region_see_a_group_its_meetings_and_documents(
        client, auth, group, organisator, deelnemer, regio_admin, app):
    _, meeting = group
    document = klankbordgroep.store_document(meeting, "verslag.pdf", b"%PDF-1.7 verslag",
                                             by=regio_admin)
    db.session.commit()
    urls = [
        f"/klankbordgroepen/{meeting.group_id}",
        f"/klankbordgroepen/bijeenkomsten/{meeting.id}",
        f"/klankbordgroepen/documenten/{document.id}",
    ]
    def statuses():
        result = []
        for url in urls:
            response = client.get(url)
            result.append(response.status_code)
            response.close()
        return result

    auth.login(deelnemer)
    assert statuses() == [403, 403, 403]
    auth.logout()
    auth.login(organisator)
    assert statuses() == [200, 200, 200]
    download = client.get(urls[2])
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.data == b"%PDF-1.7 verslag"
    download.close()
    assert "static" not in str(klankbordgroep.document_path(document))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("virus.pdf", b"MZ\x90\x00 dit is een exe", "past niet bij de naam"),
    ("notities.docx", b"gewoon tekst", "past niet bij de naam"),
    ("script.exe", b"MZ", "Alleen PDF-"),
    ("groot.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "groter dan 10 MB"),
])
def test_uploads_are_checked_by_content_and_size(as_regio, group, name, content, message):
    _, meeting = group
    # Encoded up front: the test client spools a large multipart body to a temporary file it
    # never closes, which surfaces later as an unraisable ResourceWarning in another test.
    boundary, body = encode_multipart({"document-document": FileStorage(io.BytesIO(content), name)})
    response = as_regio.post(f"/klankbordgroepen/bijeenkomsten/{meeting.id}", data=body,
                             content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert message in response.text
    assert meeting.documents == []


def test_a_real_docx_is_accepted(group, regio_admin):
    _, meeting = group
    document = klankbordgroep.store_document(meeting, "agenda.docx", _docx(), by=regio_admin)
    assert document.content_type.endswith("wordprocessingml.document")


def test_minutes_agenda_and_actions_are_kept_by_the_chair(as_regio, group):
    _, meeting = group
    url = f"/klankbordgroepen/bijeenkomsten/{meeting.id}"
    as_regio.post(url, data={"agenda-title": "Voortgang uitvoeringsagenda"})
    as_regio.post(
        url, data={"verslag-minutes": "Goed gesprek.", "verslag-decisions": "Actie 2 versnellen."}
    )
    as_regio.post(url, data={"actie-title": "Notitie schrijven", "actie-owner": "Regio",
                             "actie-due_date": "2030-01-31"})
    page = as_regio.get(url).text
    for text in (
        "Voortgang uitvoeringsagenda",
        "Goed gesprek.",
        "Actie 2 versnellen.",
        "Notitie schrijven",
    ):
        assert text in page
    assert meeting.event.type.code == "klankbordgroep"
    assert not meeting.event.issues_certificate


def test_the_progress_report_pdf_holds_actions_progress_contributions_and_figures(
        region, group, organisator, regio_admin, provider):
    action = AgendaAction(region_id=region.id, number=1, title="Faciliteren toegang en toeleiding",
                          measures="Eén loket\nSnelle toeleiding")
    db.session.add(action)
    db.session.flush()
    half = agenda.current_half_year()
    agenda.write_progress(action, half, "Het loket is open.", by=regio_admin)
    agenda.write_progress(action, half, "Wij bemensen het loket op dinsdag.", by=organisator,
                          organisation=provider)
    agenda.write_progress(action, half, "Het loket is open en druk.", by=regio_admin)
    db.session.commit()
    progress = agenda.progress_for(region, half)[action.id]
    assert progress["region"] == "Het loket is open en druk."
    assert progress["partners"][0][1] == "Wij bemensen het loket op dinsdag."
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        agenda.progress_report_pdf(region, half))).pages)
    for expected in (
        "Voortgangsrapportage",
        "Faciliteren toegang",
        "Eén loket",
        "Het loket is open en druk.",
        provider.name,
        "Cijfers van het Regionaal Leerhuis",
    ):
        assert expected in text


# --- Lessons -----------------------------------------------------------------------------

def lesson_input(**overrides):
    values = {
        "title": "Eerder samen met school",
        "source": LessonSource.SPIEGELBIJEENKOMST,
        "kind": LessonKind.ATTENTION,
        "phase": LessonPhase.PREVENTIE,
        "earlier_prevention": "Bij de eerste signalen van school hadden we de uithuisplaatsing"
                              " kunnen voorkomen.",
    }
    values.update(overrides)
    return lessons.LessonInput(**values)


def test_the_guard_blocks_identifiers_in_lessons_and_flags_names(region, organisator):
    with pytest.raises(PrivacyCheckFailed, match=re.escape(
            "Deze tekst bevat gegevens die niet opgeslagen mogen worden: telefoonnummer. "
            "Haal ze weg.")) as blocked:
        lessons.save_lesson(
            lesson_input(wanted_differently="Bel moeder op 06-12345678."), by=organisator
        )
    assert not blocked.value.needs_confirmation
    with pytest.raises(PrivacyCheckFailed) as named:
        lessons.save_lesson(lesson_input(quote="Jan de Vries zei dat niemand luisterde.",
                                         quote_consent=True), by=organisator)
    assert named.value.needs_confirmation
    lesson = lessons.save_lesson(
        lesson_input(
            quote="Jan de Vries zei dat niemand luisterde.",
            quote_consent=True,
            privacy_confirmed=True,
        ),
        by=organisator,
    )
    assert lesson.privacy_review_needed
    assert lesson.status is LessonStatus.REVIEW
    assert lesson.quote_consent_recorded_by_id == organisator.id


def test_a_quote_needs_consent(region, organisator):
    with pytest.raises(lessons.LessonError, match=re.escape(
            "Een citaat mag alleen met toestemming van de ervaringsdeskundige.")) as error:
        lessons.save_lesson(lesson_input(quote="Niemand vroeg wat ik wilde."), by=organisator)
    assert "quote_consent" in error.value.errors


def test_dutch_search_finds_stemmed_words_in_published_lessons_only(
        region, organisator, regio_admin, deelnemer, client, auth):
    published = lessons.save_lesson(lesson_input(), by=organisator)
    lessons.review(published, publish=True, by=regio_admin)
    hidden = lessons.save_lesson(
        lesson_input(
            title="Nog niet beoordeeld", earlier_prevention="Gesprekken over uithuisplaatsing."
        ),
        by=organisator,
    )
    db.session.commit()

    def found(query):
        return [lesson.id for lesson in lessons.search(deelnemer, query=query).items]

    assert found("uithuisplaatsingen") == [published.id]
    assert found("signaal school") == [published.id]
    assert found("pleeggezin") == []
    assert hidden.id not in found("uithuisplaatsing")
    auth.login(deelnemer)
    page = client.get("/lessen?q=uithuisplaatsingen").text
    assert "Eerder samen met school" in page
    assert "Nog niet beoordeeld" not in page
    assert client.get(f"/lessen/{hidden.id}").status_code == 404


# --- Evaluations ---------------------------------------------------------------------------

@pytest.fixture
def attended(region, provider, deelnemer):
    start = utcnow() - timedelta(days=1)
    training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    event = Event(region_id=region.id, type=training, organisation=provider,
                  programme_year=start.year, status=EventStatus.FINISHED, title="Training E",
                  address="A", city="B")
    event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                   net_hours=Decimal(2))]
    db.session.add(event)
    db.session.flush()
    present = Registration(
        event_id=event.id, user_id=deelnemer.id, status=RegistrationStatus.CONFIRMED
    )
    absent_user = make_user(region, "afwezig@example.org")
    absent = Registration(
        event_id=event.id, user_id=absent_user.id, status=RegistrationStatus.CONFIRMED
    )
    db.session.add_all([present, absent])
    db.session.flush()
    db.session.add_all([
        Attendance(registration_id=present.id, session_id=event.sessions[0].id,
                   state=AttendanceState.PRESENT, source=AttendanceSource.ORGANISER),
        Attendance(registration_id=absent.id, session_id=event.sessions[0].id,
                   state=AttendanceState.ABSENT, source=AttendanceSource.ORGANISER)])
    db.session.commit()
    return event, present, absent


def test_evaluation_links_go_to_present_participants_and_work_once(
        attended, client, smtp, deliver_mail, deelnemer):
    _, _, absent = attended
    assert evaluations.invite(absent) is None
    assert evaluations.send_due_invitations() == 1
    db.session.commit()
    deliver_mail()
    (mail,) = smtp.to(deelnemer.email)
    path = re.search(r"http://leerhuis\.test(/evaluatie/\S+)", mail.text()).group(1)
    answer = {"grade": "8", "usefulness": "4", "do_differently": "Eerder doorvragen.",
              "suggestions": "Meer casuïstiek."}
    assert client.post(path, data=answer).status_code == 200
    again = client.post(path, data=answer)
    assert again.status_code == 400
    assert "al geëvalueerd" in again.text
    assert evaluations.send_due_invitations() == 0


def _present(event, region, email):
    user = make_user(region, email)
    registration = Registration(event_id=event.id, user_id=user.id,
                                status=RegistrationStatus.CONFIRMED)
    db.session.add(registration)
    db.session.flush()
    db.session.add(Attendance(registration_id=registration.id, session_id=event.sessions[0].id,
                              state=AttendanceState.PRESENT, source=AttendanceSource.ORGANISER))
    db.session.commit()
    return registration


def _answer(client, registration, grade, text):
    link = evaluations.invite(registration).replace("http://leerhuis.test", "")
    db.session.commit()
    response = client.post(link, data={"grade": str(grade), "usefulness": "3",
                                       "do_differently": text, "suggestions": ""})
    assert response.status_code == 200, response.text


def test_answers_cannot_be_linked_to_a_person(attended, client, as_organisator, region):
    event, present, _ = attended
    others = [_present(event, region, f"aanwezig{n}@example.org") for n in (1, 2)]
    _answer(client, present, 7, "Vaker doorvragen.")
    columns = {
        c["name"] for c in inspect(db.session.connection()).get_columns("evaluation_response")
    }
    assert columns == {
        "id",
        "event_id",
        "answered_on",
        "grade",
        "usefulness",
        "do_differently",
        "suggestions",
    }
    foreign = {
        fk["referred_table"]
        for fk in inspect(db.session.connection()).get_foreign_keys("evaluation_response")
    }
    assert foreign == {"event"}
    token_columns = {
        c["name"] for c in inspect(db.session.connection()).get_columns("evaluation_token")
    }
    assert token_columns == {"token_hash", "event_id", "expires_on", "used"}
    # One answer of a small group would give its author away: nothing is shown yet.
    page = as_organisator.get(f"/activiteiten/{event.id}/evaluaties").text
    assert "Vaker doorvragen." not in page
    assert "vanaf 3 antwoorden" in page
    _answer(client, others[0], 9, "Netwerk eerder betrekken.")
    _answer(client, others[1], 8, "")
    page = as_organisator.get(f"/activiteiten/{event.id}/evaluaties").text
    assert "8,0" in page or "8.0" in page
    assert "Vaker doorvragen." in page
    assert "Netwerk eerder betrekken." in page
    for registration in (present, *others):
        assert registration.user.full_name not in page
        assert registration.user.email not in page


def test_an_evaluation_link_holds_a_random_token_of_which_only_the_hash_is_stored(attended):
    event, present, _ = attended
    token = evaluations.invite(present).rsplit("/", 1)[1]
    db.session.commit()
    # 32 random bytes and nothing else (a signed token carried the registration id).
    assert "." not in token
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    (stored,) = db.session.scalars(select(EvaluationToken)).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert stored.event_id == event.id
    assert stored.used is False
    assert present.evaluation_invited is True
    assert evaluations.invite(present) is None  # one link per person


def test_an_evaluation_link_works_once(attended, client):
    _, present, _ = attended
    path = evaluations.invite(present).replace("http://leerhuis.test", "")
    db.session.commit()
    answer = {"grade": "8", "usefulness": "4", "do_differently": "", "suggestions": ""}
    assert client.post(path, data=answer).status_code == 200
    for again in (client.get(path), client.post(path, data=answer)):
        assert again.status_code == 400
        assert "Je hebt deze activiteit al geëvalueerd. Dank je wel!" in again.text
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 1


def test_a_stored_answer_has_a_random_id_a_date_only_and_nothing_that_joins_to_a_registration(
        attended, client, region):
    event, present, _ = attended
    others = [_present(event, region, f"anoniem{n}@example.org") for n in (1, 2)]
    for n, registration in enumerate((present, *others)):
        _answer(client, registration, 6 + n, f"Antwoord {n}")
    responses = db.session.scalars(select(EvaluationResponse)).all()
    assert len(responses) == 3
    for response in responses:
        assert isinstance(response.id, str)
        assert len(response.id) == 32
        assert not response.id.isdigit()
        assert type(response.answered_on) is date
    columns = {
        c["name"]: c["type"]
        for c in inspect(db.session.connection()).get_columns("evaluation_response")
    }
    assert not any(isinstance(t, DateTime) for t in columns.values())
    # No value of an answer row equals a registration's or user's id, nor a token's hash.
    people = {r.id for r in (present, *others)} | {r.user_id for r in (present, *others)}
    hashes = set(db.session.scalars(select(EvaluationToken.token_hash)))
    for response in responses:
        values = {response.id, response.grade, response.usefulness, response.do_differently}
        assert not values & hashes
        assert response.id not in {str(p) for p in people}
    assert not {"registration", "user_account", "evaluation_token"} & {
        fk["referred_table"]
        for fk in inspect(db.session.connection()).get_foreign_keys("evaluation_response")
    }
    assert "registration_id" not in {
        c["name"] for c in inspect(db.session.connection()).get_columns("evaluation_token")}


def test_an_old_signed_evaluation_link_shows_that_it_is_no_longer_valid(attended, client):
    _, present, _ = attended
    old = client.get(f"/evaluatie/{make_token('evaluation', {'r': present.id})}")
    assert old.status_code == 400
    assert ("Deze link is niet meer geldig. Om evaluaties echt anoniem te maken werken we met "
            "nieuwe links; deze oude link kan niet meer worden gebruikt.") in old.text
    unknown = client.get("/evaluatie/bestaat-niet")
    assert unknown.status_code == 400
    assert "Deze evaluatielink is ongeldig of verlopen." in unknown.text


def test_an_expired_evaluation_link_is_refused(attended, client):
    _, present, _ = attended
    path = evaluations.invite(present).replace("http://leerhuis.test", "")
    db.session.scalars(select(EvaluationToken)).one().expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400
    assert "Deze evaluatielink is ongeldig of verlopen." in response.text


def test_the_guard_checks_evaluation_answers_and_a_proposed_lesson_waits_for_review(
        attended, client, regio_admin):
    event, present, _ = attended
    link = evaluations.invite(present).replace("http://leerhuis.test", "")
    db.session.commit()
    answer = {"grade": "8", "usefulness": "4", "suggestions": "",
              "do_differently": "Moeder belde vanaf 06-12345678."}
    blocked = client.post(link, data=answer)
    assert blocked.status_code == 400
    assert "niet opgeslagen mogen worden" in blocked.text
    assert "Moeder belde vanaf 06-12345678." in blocked.text  # the value is kept
    answer.update(do_differently="Eerder het netwerk betrekken.",
                  lesson="Gezinnen wachten te lang op passende hulp; eerder schakelen.")
    assert client.post(link, data=answer).status_code == 200
    (proposed,) = lessons.review_queue(regio_admin)
    assert proposed.source is LessonSource.EVALUATIE
    assert proposed.created_by_id is None
    assert proposed.event_id == event.id
    assert proposed.status is LessonStatus.REVIEW
    assert "passende hulp" in proposed.wanted_differently


def test_other_organisers_cannot_see_results(attended, client, auth, other_organisator, as_regio):
    event, _, _ = attended
    assert as_regio.get("/regio/evaluaties").status_code == 200
    rows = list(
        csv.reader(
            io.StringIO(as_regio.get("/regio/evaluaties.csv").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert rows[0][0] == "activiteit"
    assert not any("@" in cell for row in rows for cell in row)
    auth.logout()
    auth.login(other_organisator)
    assert client.get(f"/activiteiten/{event.id}/evaluaties").status_code == 403


# --- Setting up groups, the agenda, editing lessons ----------------------------------------

def test_the_region_sets_up_a_group_whose_chair_becomes_a_member(as_regio, regio_admin,
                                                                  organisator):
    response = as_regio.post("/klankbordgroepen/nieuw", data={
        "name": "Ambtelijke klankbordgroep", "type": "ambtelijk", "chair_email": organisator.email,
        "meetings_per_year": "2", "description": "Beleidsmedewerkers van de gemeenten."})
    assert response.status_code == 302
    group = db.session.scalars(select(KlankbordGroup).where(
        KlankbordGroup.name == "Ambtelijke klankbordgroep")).one()
    assert group.chair_id == organisator.id
    assert group.type is GroupType.AMBTELIJK
    assert [m.user_id for m in group.members] == [organisator.id]
    bad = as_regio.post(f"/klankbordgroepen/{group.id}/bewerken", data={
        "name": "Ambtelijk", "type": "ambtelijk", "chair_email": "onbekend@example.org",
        "meetings_per_year": "20"})
    assert bad.status_code == 400
    assert "Er is geen account met dit e-mailadres." in bad.text or "1 tot 12" in bad.text
    assert 'value="Ambtelijk"' in bad.text  # what was typed is kept
    db.session.refresh(group)
    assert group.name == "Ambtelijke klankbordgroep"


def test_the_chair_and_region_update_action_items(as_regio, group):
    _, meeting = group
    item = klankbordgroep.add_action_item(meeting, "Notitie wachttijden", "Regio", None)
    db.session.commit()
    response = as_regio.post(f"/klankbordgroepen/actiepunten/{item.id}/status",
                             data={"status": "afgerond"})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status.value == "afgerond"
    assert as_regio.post(f"/klankbordgroepen/actiepunten/{item.id}/status",
                         data={"status": "klaar"}).status_code == 400


def test_the_region_keeps_the_agenda_actions_and_partners_edit_their_own_contribution(
        as_regio, region, client, auth, organisator, group, provider):
    assert as_regio.post("/uitvoeringsagenda/acties/nieuw", data={
        "number": "1", "title": "Faciliteren toegang en toeleiding",
        "measures": "Eén loket\n\n  Snelle toeleiding  "}).status_code == 302
    action = db.session.scalars(
        select(AgendaAction).where(AgendaAction.region_id == region.id)
    ).one()
    assert action.measures == "Eén loket\nSnelle toeleiding"
    duplicate = as_regio.post(
        "/uitvoeringsagenda/acties/nieuw", data={"number": "1", "title": "Dubbel"}
    )
    assert duplicate.status_code == 400
    assert "al een actie met dit nummer" in duplicate.text
    assert as_regio.post(f"/uitvoeringsagenda/acties/{action.id}", data={
        "number": "1", "title": "Toegang en toeleiding", "measures": ""}).status_code == 302
    db.session.refresh(action)
    assert action.title == "Toegang en toeleiding"
    auth.logout()
    auth.login(organisator)  # a member of the group: a partner
    half = agenda.current_half_year()
    assert client.post(f"/uitvoeringsagenda?halfjaar={half}", data={
        "action_id": action.id, "text": "Wij bemensen het loket."}).status_code == 302
    page = client.get(f"/uitvoeringsagenda?halfjaar={half}").text
    assert ">Wij bemensen het loket.</textarea>" in page
    assert provider.name in page


def test_authors_edit_their_lesson_until_published_and_the_region_keeps_follow_up(
        client, auth, organisator, regio_admin):
    lesson = lessons.save_lesson(lesson_input(), by=organisator)
    db.session.commit()
    auth.login(organisator)
    form = {"title": "Eerder samen met school en huisarts", "source": "spiegelbijeenkomst",
            "kind": "aandachtspunt", "phase": "preventie", "follow_up_status": "open",
            "visibility": "regio", "action_id": "",
            "earlier_prevention": "Bij de eerste signalen van school samen optrekken."}
    assert client.post(f"/lessen/{lesson.id}/bewerken", data=form).status_code == 302
    db.session.refresh(lesson)
    assert lesson.title == "Eerder samen met school en huisarts"
    lessons.review(lesson, publish=True, by=regio_admin)
    db.session.commit()
    assert client.get(f"/lessen/{lesson.id}/bewerken").status_code == 403
    auth.logout()
    auth.login(regio_admin)
    form.update(follow_up_proposal="Afspraak met het samenwerkingsverband.",
                follow_up_owner="Regio", follow_up_status="verwerkt_in_agenda")
    assert client.post(f"/lessen/{lesson.id}/bewerken", data=form).status_code == 302
    db.session.refresh(lesson)
    assert lesson.status is LessonStatus.PUBLISHED
    assert lesson.follow_up_status.value == "verwerkt_in_agenda"
    page = client.get(f"/lessen/{lesson.id}").text
    assert "Verwerkt in de agenda" in page
    assert "Afspraak met het samenwerkingsverband." in page


def test_the_demo_fills_groups_agenda_lessons_and_evaluations(app):
    summary = seed_demo(professionals=20)
    db.session.commit()
    assert summary["klankbordgroepen"] == 3
    assert summary["agenda_actions"] == 5
    region = db.session.scalars(select(KlankbordGroup)).first().region_id
    admin = db.session.scalars(select(User).where(User.email == "regio@example.org")).one()
    assert admin.region_id == region
    assert [lesson.title for lesson in lessons.search(admin, query="broer").items] == [
        "Broers en zussen bij elkaar houden"]
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) > 0
    partners = db.session.scalars(select(KlankbordGroup).where(
        KlankbordGroup.type == GroupType.PARTNERS)).one()
    assert len(partners.meetings) >= 2
    assert any(m.minutes for m in partners.meetings)


def test_the_region_invites_all_members_to_a_meeting_once_the_programme_is_published(
        as_regio, group, organisator, region):
    _, meeting = group
    url = f"/klankbordgroepen/bijeenkomsten/{meeting.id}/leden-uitnodigen"
    refused = as_regio.post(url, follow_redirects=True)
    assert "nog niet gepubliceerd" in refused.text
    programme = db.session.scalars(
        select(ProgrammeYear).where(
            ProgrammeYear.region_id == region.id, ProgrammeYear.year == meeting.event.programme_year
        )
    ).one()
    programme.status = ProgrammeStatus.PUBLISHED
    db.session.commit()
    response = as_regio.post(url)
    assert response.status_code == 302
    assert "/uitnodigingen/" in response.headers["Location"]
    invited = db.session.scalars(select(Invitation.email)).all()
    assert invited == [organisator.email]


def test_only_members_and_the_region_register_for_a_meeting(group, organisator, deelnemer,
                                                             regio_admin):
    _, meeting = group
    refusal = "Deze bijeenkomst is alleen voor de leden van de klankbordgroep."
    assert registrations.registration_closed_reason(meeting.event, deelnemer, now=utcnow()) in (
        refusal, "Voor deze activiteit kun je je (nog) niet aanmelden.")
    assert klankbordgroep.may_attend(organisator, meeting.event)
    assert klankbordgroep.may_attend(regio_admin, meeting.event)
    assert not klankbordgroep.may_attend(deelnemer, meeting.event)


# --- Who writes a partner's contribution ---------------------------------------------------

NO_ROLE = ("Je kunt alleen bijdragen namens een organisatie waarvoor de regio je als "
           "organisator heeft goedgekeurd. Vraag die rol aan via ‘Organisator worden voor een "
           "organisatie’ op je profielpagina.")


@pytest.fixture
def contribution(region, group, organisator, provider):
    """Action 1 with the provider's contribution, written by its approved organiser."""
    action = AgendaAction(region_id=region.id, number=1, title="Faciliteren toegang en toeleiding")
    db.session.add(action)
    db.session.flush()
    half = agenda.current_half_year()
    agenda.write_progress(action, half, "Wij bemensen het loket op dinsdag.", by=organisator,
                          organisation=provider)
    db.session.commit()
    return action, half


def test_a_member_who_only_names_an_organisation_in_the_profile_cannot_overwrite_its_contribution(
        client, auth, region, group, provider, contribution):
    action, half = contribution
    group_, _meeting = group
    claimant = make_user(region, "claim@example.org", organisation=provider)  # self-declared
    db.session.add(KlankbordMember(group_id=group_.id, user_id=claimant.id,
                                   organisation_id=provider.id))
    db.session.commit()
    auth.login(claimant)
    page = client.get(f"/uitvoeringsagenda?halfjaar={half}")
    assert page.status_code == 200
    assert NO_ROLE in page.text
    assert 'name="text"' not in page.text
    refused = client.post(f"/uitvoeringsagenda?halfjaar={half}", data={
        "action_id": action.id, "text": "Overschreven."})
    assert refused.status_code == 403
    assert NO_ROLE in refused.text
    assert agenda.progress_for(region, half)[action.id]["partners"] == [
        (provider, "Wij bemensen het loket op dinsdag.")]
    with pytest.raises(agenda.AgendaError, match="Vraag die rol aan"):
        agenda.write_progress(action, half, "Overschreven.", by=claimant, organisation=provider)


def test_an_approved_organiser_writes_for_that_organisation_only(
        client, auth, region, group, organisator, provider, other_provider, contribution):
    action, half = contribution
    auth.login(organisator)
    other = client.post(f"/uitvoeringsagenda?halfjaar={half}&organisatie={other_provider.id}",
                        data={"action_id": action.id, "text": "Namens een ander."})
    assert other.status_code == 403
    assert NO_ROLE in other.text
    with pytest.raises(agenda.AgendaError, match="Vraag die rol aan"):
        agenda.write_progress(action, half, "Namens een ander.", by=organisator,
                              organisation=other_provider)
    own = client.post(f"/uitvoeringsagenda?halfjaar={half}", data={
        "action_id": action.id, "text": "Wij bemensen het loket op dinsdag en donderdag."})
    assert own.status_code == 302
    assert agenda.progress_for(region, half)[action.id]["partners"] == [
        (provider, "Wij bemensen het loket op dinsdag en donderdag.")]


def test_an_organiser_of_two_organisations_picks_the_one_to_write_for(
        client, auth, region, group, organisator, provider, other_provider, contribution):

    action, half = contribution
    db.session.add(OrganiserRole(user=organisator, organisation=other_provider,
                                 status=ApprovalStatus.APPROVED, decided_at=utcnow()))
    db.session.commit()
    auth.login(organisator)
    url = f"/uitvoeringsagenda?halfjaar={half}&organisatie={other_provider.id}"
    page = client.get(url).text
    assert f"Bijdrage van {other_provider.name}" in page
    assert client.post(url, data={"action_id": action.id, "text": "Het Baken doet mee."}
                       ).status_code == 302
    partners = dict(agenda.progress_for(region, half)[action.id]["partners"])
    assert partners == {provider: "Wij bemensen het loket op dinsdag.",
                        other_provider: "Het Baken doet mee."}


# --- Klankbordgroep members --------------------------------------------------------------


def test_removing_a_klankbordgroep_member_says_so(as_regio, region, deelnemer, municipality_team):
    group = KlankbordGroup(region_id=region.id, name="Klankbordgroep Zo thuis mogelijk",
                           type=GroupType.PARTNERS)
    db.session.add(group)
    db.session.flush()
    member = KlankbordMember(group_id=group.id, user_id=deelnemer.id,
                             organisation_id=municipality_team.id)
    db.session.add(member)
    db.session.commit()
    response = as_regio.post(f"/klankbordgroepen/leden/{member.id}/verwijderen",
                             follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sanne Jansen is geen lid meer van de groep." in page
    assert "Deze groep heeft nog geen leden." in page
