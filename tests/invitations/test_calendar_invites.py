"""Calendar invitations: every calendar the portal mails is parsed with icalendar and with
vobject (an independent parser), and the MIME tree is checked as delivered over SMTP."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from conftest import free_port, make_user
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    EventType,
    OutboxMessage,
    OutboxStatus,
    ProgrammeStatus,
    ProgrammeYear,
    Registration,
    RegistrationStatus,
    utcnow,
)
from leerhuis.services import calendar_invites, event_changes, registrations
from leerhuis.services.programme import EventInput
from leerhuis.services.registrations import RegistrationInput

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def dst_event(region, provider):
    """A cohort whose first session is before and second after the October DST change."""
    year = datetime.now(AMS).year + 1
    event_type = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
    event = Event(region_id=region.id, type=event_type, organisation=provider,
                  programme_year=year, status=EventStatus.PUBLISHED, title="Gesprekstechnieken",
                  address="Kerkplein 1", postcode="1211 AA", city="Hilversum", capacity=10)
    event.sessions = [
        EventSession(starts_at=datetime(year, 10, 20, 13, 0, tzinfo=AMS),
                     ends_at=datetime(year, 10, 20, 16, 30, tzinfo=AMS), net_hours=Decimal(3)),
        EventSession(starts_at=datetime(year, 11, 3, 13, 0, tzinfo=AMS),
                     ends_at=datetime(year, 11, 3, 16, 30, tzinfo=AMS), net_hours=Decimal(3)),
    ]
    db.session.add(event)
    db.session.add(ProgrammeYear(region_id=region.id, year=year, status=ProgrammeStatus.PUBLISHED))
    db.session.commit()
    return event


def calendar_parts(mail):
    """(MIME method, calendar bytes) of the text/calendar alternative and the attachment."""
    message = mail.message
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(p for p in message.iter_parts()
                       if p.get_content_type() == "multipart/alternative")
    types = [p.get_content_type() for p in alternative.iter_parts()]
    assert types == ["text/plain", "text/html", "text/calendar"]
    inline = list(alternative.iter_parts())[2]
    attachments = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(attachments) == 1
    return inline.get_param("method"), inline.get_content().encode(), attachments[0]


def parse_both(raw: bytes):
    cal = icalendar.Calendar.from_ical(raw)
    other = vobject.readOne(raw.decode())
    return cal, other


def vevent_of(cal):
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1, "iTIP: one UID per message"
    return events[0]


def test_confirmation_is_an_imip_request_per_session_with_amsterdam_times_across_dst(
        dst_event, deelnemer, smtp, deliver_mail):
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    mails = smtp.to(deelnemer.email)
    assert len(mails) == 2  # one invitation per session of the cohort
    starts = []
    for mail in mails:
        method, raw, attachment = calendar_parts(mail)
        cal, other = parse_both(raw)
        assert method == "REQUEST" == str(cal["METHOD"]) == other.method.value
        assert attachment.get_param("method") == "REQUEST"
        assert attachment.get_content_charset() == "utf-8"
        assert icalendar.Calendar.from_ical(attachment.get_content()).to_ical() == cal.to_ical()
        vevent = vevent_of(cal)
        assert vevent["DTSTART"].params["TZID"] == "Europe/Amsterdam"
        tz = cal.walk("VTIMEZONE")[0]
        assert all("RRULE" in sub for sub in tz.subcomponents), "RRULE-based VTIMEZONE"
        assert all("RDATE" not in sub for sub in tz.subcomponents)
        assert int(vevent["SEQUENCE"]) == 0
        assert str(vevent["ATTENDEE"]).lower() == f"mailto:{deelnemer.email}"
        # vobject resolves the VTIMEZONE itself: both parsers agree on the instant.
        other_start = other.vevent.dtstart.value
        assert other_start == vevent.decoded("DTSTART")
        starts.append(other_start)
        assert f"/activiteiten/{dst_event.id}" in mail.text()
        assert f"/activiteiten/{dst_event.id}" in mail.html()
    local_hours = sorted((s.astimezone(AMS).hour, s.utcoffset()) for s in starts)
    # 13:00 local on both dates, although the UTC offset changed in between.
    assert [h for h, _ in local_hours] == [13, 13]
    assert {o for _, o in local_hours} == {timedelta(hours=2), timedelta(hours=1)}


def test_a_change_of_time_updates_every_participant_with_same_uid_and_higher_sequence(
        dst_event, deelnemer, organisator, region, smtp, deliver_mail):
    other = make_user(region, "tweede@example.org", organisation=deelnemer.organisation)
    for person in (deelnemer, other):
        registrations.register(dst_event.id, person, RegistrationInput())
    db.session.commit()
    deliver_mail()
    first = {vevent_of(parse_both(calendar_parts(m)[1])[0])["UID"]
             for m in smtp.to(deelnemer.email)}
    smtp.messages.clear()

    data = EventInput.from_event(dst_event)
    data.sessions[0].starts_at += timedelta(hours=1)
    data.sessions[0].ends_at += timedelta(hours=1)
    # Published events are edited by the Region (organisers edit concepts only).
    regio = make_user(region, "beheer@example.org", admin=True)
    event_changes.update_event(dst_event, data, by=regio)
    db.session.commit()
    deliver_mail()
    for person in (deelnemer, other):
        updates = smtp.to(person.email)
        assert len(updates) == 2
        for mail in updates:
            method, raw, _ = calendar_parts(mail)
            cal, parsed = parse_both(raw)
            vevent = vevent_of(cal)
            assert method == "REQUEST" == parsed.method.value
            assert vevent["UID"] in first
            assert int(vevent["SEQUENCE"]) == 1 == int(parsed.vevent.sequence.value)
    moved = next(m for m in smtp.to(deelnemer.email)
             if vevent_of(parse_both(calendar_parts(m)[1])[0])["UID"]
             == dst_event.sessions[0].ical_uid)
    start = vevent_of(parse_both(calendar_parts(moved)[1])[0]).decoded("DTSTART")
    assert start.astimezone(AMS).hour == 14


def test_a_cancelled_event_sends_cancel_with_status_cancelled_and_higher_sequence(
        dst_event, deelnemer, region, smtp, deliver_mail):
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    smtp.messages.clear()
    regio = make_user(region, "beheer@example.org", admin=True)
    event_changes.cancel(dst_event, by=regio, reason="De trainer is ziek.")
    db.session.commit()
    deliver_mail()
    mails = smtp.to(deelnemer.email)
    assert len(mails) == 2
    for mail in mails:
        method, raw, attachment = calendar_parts(mail)
        cal, parsed = parse_both(raw)
        vevent = vevent_of(cal)
        assert method == "CANCEL" == str(cal["METHOD"]) == parsed.method.value
        assert attachment.get_param("method") == "CANCEL"
        assert str(vevent["STATUS"]) == "CANCELLED"
        assert int(vevent["SEQUENCE"]) >= 1
        assert "De trainer is ziek." in mail.text()


def test_unregistering_cancels_for_that_attendee_only(dst_event, deelnemer, region, smtp,
                                                      deliver_mail):
    other = make_user(region, "tweede@example.org", organisation=deelnemer.organisation)
    mine = registrations.register(dst_event.id, deelnemer, RegistrationInput())
    registrations.register(dst_event.id, other, RegistrationInput())
    db.session.commit()
    deliver_mail()
    smtp.messages.clear()
    registrations.unregister(mine, by=deelnemer)
    db.session.commit()
    deliver_mail()
    assert smtp.to(other.email) == []
    cancels = smtp.to(deelnemer.email)
    assert len(cancels) == 2
    for mail in cancels:
        method, raw, _ = calendar_parts(mail)
        cal, parsed = parse_both(raw)
        vevent = vevent_of(cal)
        assert method == "CANCEL" == parsed.method.value
        assert int(vevent["SEQUENCE"]) == 1
        assert str(vevent["ATTENDEE"]).lower() == f"mailto:{deelnemer.email}"


def test_the_personal_feed_lists_confirmed_registrations_and_its_token_can_be_revoked(
        dst_event, deelnemer, client, auth):
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    token = calendar_invites.renew_feed_token(deelnemer)
    db.session.commit()
    response = client.get(f"/agenda/{token}.ics")
    assert response.status_code == 200
    cal, parsed = parse_both(response.data)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert {str(v["UID"]) for v in cal.walk("VEVENT")} == {s.ical_uid for s in dst_event.sessions}
    assert len(parsed.vevent_list) == 2
    auth.login(deelnemer)
    client.post("/mijn-leerhuis/agenda-link/intrekken")
    assert client.get(f"/agenda/{token}.ics").status_code == 404
    assert client.get("/agenda/geknoeid-token.ics").status_code == 404


def test_event_page_offers_ics_download_and_web_calendar_links(dst_event, client):
    page = client.get(f"/activiteiten/{dst_event.id}")
    assert "calendar.google.com" in page.text
    assert "outlook.office.com" in page.text
    download = client.get(f"/activiteiten/{dst_event.id}/agenda.ics")
    cal, _parsed = parse_both(download.data)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert len(cal.walk("VEVENT")) == 2


def test_reminders_go_out_once_two_days_before_with_the_online_link(dst_event, deelnemer,
                                                                    smtp, deliver_mail):
    dst_event.is_online = True
    dst_event.online_url = "https://meet.example.org/gesprekstechnieken"
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    smtp.messages.clear()
    first = dst_event.sessions[0].starts_at
    assert calendar_invites.send_due_reminders(now=first - timedelta(days=3)) == 0
    assert calendar_invites.send_due_reminders(now=first - timedelta(days=1)) == 1
    assert calendar_invites.send_due_reminders(now=first - timedelta(hours=20)) == 0
    db.session.commit()
    deliver_mail()
    (reminder,) = [m for m in smtp.to(deelnemer.email) if "Herinnering" in m.subject]
    assert "https://meet.example.org/gesprekstechnieken" in reminder.text()


def sequences(smtp, address, method):
    """{UID: SEQUENCE} of the calendar mails ``address`` got with ``method``, read with
    both parsers (they must agree)."""
    found = {}
    for mail in smtp.to(address):
        mime_method, raw, _ = calendar_parts(mail)
        if mime_method != method:
            continue
        cal, parsed = parse_both(raw)
        vevent = vevent_of(cal)
        assert str(cal["METHOD"]) == parsed.method.value == method
        assert int(vevent["SEQUENCE"]) == int(parsed.vevent.sequence.value)
        found[str(vevent["UID"])] = int(vevent["SEQUENCE"])
    return found


def test_registering_again_after_unregistering_sends_a_request_that_outranks_the_cancel(
        dst_event, deelnemer, smtp, deliver_mail):
    mine = registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    first = sequences(smtp, deelnemer.email, "REQUEST")
    smtp.messages.clear()
    registrations.unregister(mine, by=deelnemer)
    db.session.commit()
    deliver_mail()
    cancels = sequences(smtp, deelnemer.email, "CANCEL")
    smtp.messages.clear()
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    again = sequences(smtp, deelnemer.email, "REQUEST")
    uids = {s.ical_uid for s in dst_event.sessions}
    assert set(first) == set(cancels) == set(again) == uids  # the UID never changes
    for uid in uids:
        # Outlook and Apple ignore a message whose SEQUENCE is not above the last one.
        assert first[uid] < cancels[uid] < again[uid]


def test_unregistering_leaves_the_other_participants_sequence_alone(
        dst_event, deelnemer, region, smtp, deliver_mail):
    other = make_user(region, "tweede@example.org", organisation=deelnemer.organisation)
    mine = registrations.register(dst_event.id, deelnemer, RegistrationInput())
    registrations.register(dst_event.id, other, RegistrationInput())
    registrations.unregister(mine, by=deelnemer)
    db.session.commit()
    assert [s.ical_sequence for s in dst_event.sessions] == [0, 0]
    smtp.messages.clear()
    deliver_mail()
    smtp.messages.clear()
    data = EventInput.from_event(dst_event)
    data.venue_name = "Zaal 2"
    event_changes.update_event(dst_event, data, by=make_user(region, "b@example.org", admin=True))
    db.session.commit()
    deliver_mail()
    # The other participant's update is one step above what they had: no gap, no jump.
    assert set(sequences(smtp, other.email, "REQUEST").values()) == {1}
    assert smtp.to(deelnemer.email) == []


def test_a_session_removed_by_an_edit_is_cancelled_in_participants_calendars(
        dst_event, deelnemer, region, smtp, deliver_mail):
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    smtp.messages.clear()
    kept_uid, dropped_uid = (s.ical_uid for s in dst_event.sessions)
    data = EventInput.from_event(dst_event)
    data.sessions = data.sessions[:1]
    event_changes.update_event(dst_event, data, by=make_user(region, "b@example.org", admin=True))
    db.session.commit()
    deliver_mail()
    cancels = sequences(smtp, deelnemer.email, "CANCEL")
    assert cancels == {dropped_uid: 1}
    (cancel,) = [m for m in smtp.to(deelnemer.email) if calendar_parts(m)[0] == "CANCEL"]
    vevent = vevent_of(parse_both(calendar_parts(cancel)[1])[0])
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert "gaat niet door" in cancel.text()
    # The remaining session keeps its UID (and its row, with its attendance).
    assert [s.ical_uid for s in dst_event.sessions] == [kept_uid]
    assert set(sequences(smtp, deelnemer.email, "REQUEST")) == {kept_uid}


def test_dropping_the_first_session_keeps_the_uid_of_the_later_one(dst_event, region):
    later_uid = dst_event.sessions[1].ical_uid
    data = EventInput.from_event(dst_event)
    data.sessions = data.sessions[1:]
    event_changes.update_event(dst_event, data, by=make_user(region, "b@example.org", admin=True))
    db.session.commit()
    assert [s.ical_uid for s in dst_event.sessions] == [later_uid]


def test_reminders_go_out_for_every_session_of_a_cohort_once_each(
        dst_event, deelnemer, smtp, deliver_mail):
    registrations.register(dst_event.id, deelnemer, RegistrationInput())
    db.session.commit()
    deliver_mail()
    smtp.messages.clear()
    first, second = (s.starts_at for s in dst_event.sessions)
    assert calendar_invites.send_due_reminders(now=first - timedelta(days=1)) == 1
    assert calendar_invites.send_due_reminders(now=first - timedelta(hours=2)) == 0
    assert calendar_invites.send_due_reminders(now=second - timedelta(days=3)) == 0
    assert calendar_invites.send_due_reminders(now=second - timedelta(days=1)) == 1
    assert calendar_invites.send_due_reminders(now=second - timedelta(hours=2)) == 0
    db.session.commit()
    deliver_mail()
    reminders = sorted((m for m in smtp.to(deelnemer.email) if "Herinnering" in m.subject),
                       key=lambda m: m.subject)
    assert [m.subject for m in reminders] == [
        "Herinnering: Gesprekstechnieken (1/2)", "Herinnering: Gesprekstechnieken (2/2)"]
    assert "bijeenkomst 2 van 2" in reminders[1].text()


def test_the_public_programme_feed_reads_the_same_in_icalendar_and_vobject(dst_event, client):
    response = client.get("/programma/gooi-en-vechtstreek/programma.ics")
    assert response.status_code == 200
    cal, parsed = parse_both(response.data)
    assert str(cal["METHOD"]) == "PUBLISH" == parsed.method.value
    ours = {str(v["UID"]): v.decoded("DTSTART") for v in cal.walk("VEVENT")}
    theirs = {v.uid.value: v.dtstart.value for v in parsed.vevent_list}
    assert ours == theirs == {s.ical_uid: s.starts_at for s in dst_event.sessions}
    # 13:00 in Amsterdam on both sides of the October clock change.
    assert {t.astimezone(AMS).hour for t in theirs.values()} == {13}


def test_a_registration_succeeds_while_the_mail_server_is_down_and_the_invitation_follows(
        dst_event, deelnemer, as_deelnemer, smtp, deliver_mail, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    response = as_deelnemer.post(f"/activiteiten/{dst_event.id}/aanmelden", data={})
    assert response.status_code == 302
    assert "Je bent aangemeld" in as_deelnemer.get(response.location).text
    registration = db.session.scalars(select(Registration).where(
        Registration.user_id == deelnemer.id)).one()
    assert registration.status is RegistrationStatus.CONFIRMED
    assert deliver_mail()["sent"] == 0
    waiting = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == deelnemer.email)).all()
    assert len(waiting) == 2
    assert all(m.status is OutboxStatus.PENDING for m in waiting)
    assert smtp.to(deelnemer.email) == []

    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)  # the server is back
    for message in waiting:
        message.next_attempt_at = utcnow() - timedelta(seconds=1)  # its backoff has passed
    db.session.commit()
    assert deliver_mail()["sent"] == 2
    assert {calendar_parts(m)[0] for m in smtp.to(deelnemer.email)} == {"REQUEST"}
    assert len(smtp.to(deelnemer.email)) == 2
