"""Calendar invitations by e-mail (iMIP, RFC 6047) that Outlook, Google and Apple apply.

Rules (domain brief §4):
- the mail is multipart/mixed → multipart/alternative (text/plain, text/html,
  text/calendar; method=REQUEST) plus the same calendar as an attachment; the calendar's
  METHOD equals the MIME ``method`` parameter;
- one stable UID per session; SEQUENCE rises on every material change, and updates go
  to every confirmed participant; a cancelled event sends METHOD:CANCEL with
  STATUS:CANCELLED; a person who unregisters gets a CANCEL of their own; a session dropped
  from a cohort by an edit gets a CANCEL of its UID;
- the SEQUENCE a person sees is the session's counter (material changes, shared by all)
  plus their registration's own counter (RFC 5546 lets the organizer number each
  attendee's copy): unregistering raises only that person's counter, so their CANCEL and
  a later REQUEST (registering again) each outrank what they had, while nobody else's
  calendar is touched;
- times carry TZID=Europe/Amsterdam with an RRULE-based VTIMEZONE (Outlook shifts
  events whose VTIMEZONE only has RDATEs);
- iTIP allows one UID per message, so each session of a cohort is its own invitation.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leerhuis.extensions import db
from leerhuis.models import (
    Event,
    EventSession,
    EventStatus,
    Registration,
    RegistrationStatus,
    SessionReminder,
    User,
    utcnow,
)
from leerhuis.services import outbox
from leerhuis.services.calendar_feed import (
    DescriptionTexts,
    event_link_builder,
    location_text,
    new_calendar,
    publish_feed,
    session_vevent,
    vevent_data,
)
from leerhuis.services.links import external_url

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def amsterdam_vtimezone() -> Timezone:
    """Europe/Amsterdam as yearly rules: last Sunday of March and of October."""
    tz = Timezone()
    tz.add("tzid", "Europe/Amsterdam")
    tz.add("x-lic-location", "Europe/Amsterdam")
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", _offset(1))
    daylight.add("tzoffsetto", _offset(2))
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", _offset(2))
    standard.add("tzoffsetto", _offset(1))
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    tz.add_component(daylight)
    tz.add_component(standard)
    return tz


def _offset(hours: int):
    return timedelta(hours=hours)


def organizer_address() -> vCalAddress:
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or "Regionaal Leerhuis")
    return organizer


def invitation_calendar(event: Event, session: EventSession, attendee: User, method: str,
                        *, sequence: int | None = None) -> Calendar:
    cal = new_calendar(method)
    cal.add_component(amsterdam_vtimezone())
    vevent = session_vevent(event, session, include_online_link=True)
    for key in ("dtstart", "dtend"):
        del vevent[key]
    vevent.add("dtstart", session.starts_at.astimezone(AMSTERDAM))
    vevent.add("dtend", session.ends_at.astimezone(AMSTERDAM))
    if sequence is not None:
        vevent["sequence"] = sequence
    vevent.add("organizer", organizer_address())
    person = vCalAddress(f"mailto:{attendee.email}")
    person.params["cn"] = vText(attendee.full_name)
    person.params["role"] = vText("REQ-PARTICIPANT")
    person.params["partstat"] = vText("ACCEPTED" if method == "REQUEST" else "DECLINED")
    person.params["rsvp"] = vText("FALSE")
    vevent.add("attendee", person, encode=False)
    if method == "CANCEL":
        vevent["status"] = "CANCELLED"
    cal.add_component(vevent)
    return cal


def _queue_invitation(template: str, event: Event, session: EventSession,
                      registration: Registration, method: str, subject, *,
                      sequence: int | None = None, **context) -> None:
    user = registration.user
    # Callers pass registrations with a person: send_requests and send_cancellations_to
    # return first without one, confirmed_registrations joins User.
    assert user is not None
    if sequence is None:
        sequence = registration.session_sequence(session)
    with force_locale(user.preferred_language or "nl"):  # the calendar text, too
        ics = invitation_calendar(event, session, user, method, sequence=sequence).to_ical()
    params = {"method": method}
    part = outbox.Attachment("invite.ics", ics, "text", "calendar", params)
    # The file says it is UTF-8 as well: a strict client reads a title with "ë" as ASCII.
    attachment = outbox.Attachment(outbox.in_language_of(user, _l("uitnodiging.ics")), ics,
                                   "text", "calendar", {**params, "charset": "utf-8"})
    # A session dropped by an edit is no longer in the list: it keeps no number.
    index = event.sessions.index(session) + 1 if session in event.sessions else None
    suffix = (f" ({index}/{len(event.sessions)})"
              if index is not None and len(event.sessions) > 1 else "")
    subject = f"{outbox.in_language_of(user, subject)}: {event.title}{suffix}"
    outbox.queue_template_mail(
        template, to=user.email, user=user, subject=subject, kind=f"ical_{method.lower()}",
        event=event, session=session, session_index=index, method=method,
        link=external_url("programme.event_page", event_id=event.id),
        alternatives=[part], attachments=[attachment], **context)


def send_requests(registration: Registration, *, template: str = "invitation_request",
                  subject=None, **context) -> None:
    """A REQUEST for every session of the registration's event (confirmation, promotion).
    After this person's own CANCEL (they registered again) their counter rises first:
    a REQUEST with the CANCEL's SEQUENCE would be ignored by Outlook and Apple."""
    event, user = registration.event, registration.user
    if user is None:
        return
    if registration.calendar_sequence:
        registration.calendar_sequence += 1
    for session in event.sessions:
        _queue_invitation(template, event, session, registration, "REQUEST",
                          subject if subject is not None else _l("Uitnodiging"), **context)


def send_cancellations_to(registration: Registration) -> None:
    """This person no longer attends: a CANCEL for them only, with their own counter raised
    so their client accepts it; the other participants' SEQUENCE stays as it is."""
    event, user = registration.event, registration.user
    if user is None:
        return
    registration.calendar_sequence = (registration.calendar_sequence or 0) + 1
    for session in event.sessions:
        _queue_invitation("invitation_cancel_attendee", event, session, registration, "CANCEL",
                          _l("Afgemeld"))


def confirmed_registrations(event: Event) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).join(User, Registration.user_id == User.id)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.id)))


def confirmed_participants(event: Event) -> list[User]:
    return [registration.user for registration in confirmed_registrations(event)
            if registration.user is not None]  # always: the query joins User


def send_updates(event: Event) -> int:
    """After a material change: the new times/place to every confirmed participant."""
    found = confirmed_registrations(event)
    for registration in found:
        for session in event.sessions:
            _queue_invitation("invitation_update", event, session, registration, "REQUEST",
                              _l("Gewijzigd"))
    return len(found)


def send_session_removed(event: Event, session: EventSession) -> int:
    """A session dropped from the event by an edit: a CANCEL of its UID to every confirmed
    participant, or their calendars keep a meeting that will not happen."""
    session.ical_sequence += 1
    found = confirmed_registrations(event)
    for registration in found:
        _queue_invitation("invitation_session_removed", event, session, registration, "CANCEL",
                          _l("Bijeenkomst vervalt"))
    return len(found)


def send_event_cancelled(event: Event) -> int:
    found = confirmed_registrations(event)
    for registration in found:
        for session in event.sessions:
            _queue_invitation("invitation_event_cancelled", event, session, registration,
                              "CANCEL", _l("Geannuleerd"))
    return len(found)


# --- "Zet in mijn agenda" and the personal feed -------------------------------------------

def event_download(event: Event) -> bytes:
    """A PUBLISH calendar to open once (it cannot update an existing Outlook item later)."""
    cal = new_calendar("PUBLISH", event.title)
    for session in event.sessions:
        cal.add_component(session_vevent(event, session))
    return cal.to_ical()


def google_link(event: Event, session: EventSession) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    dates = (f"{session.starts_at.astimezone(UTC).strftime(fmt)}/"
             f"{session.ends_at.astimezone(UTC).strftime(fmt)}")
    return "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": event.title, "dates": dates,
        "details": external_url("programme.event_page", event_id=event.id),
        "location": location_text(event)})


def outlook_link(event: Event, session: EventSession) -> str:
    return "https://outlook.office.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": event.title,
        "startdt": session.starts_at.isoformat(), "enddt": session.ends_at.isoformat(),
        "body": external_url("programme.event_page", event_id=event.id),
        "location": location_text(event)})


def personal_feed(user: User) -> bytes:
    """All of a user's confirmed registrations (PUBLISH; subscribed calendars poll it), in
    their language. One query of plain rows (a busy professional's feed holds hundreds of
    sessions); each SEQUENCE is the one their invitation carried."""
    rows = db.session.execute(
        select(Event.id, Event.title, Event.summary, Event.status, Event.is_online,
               Event.online_url, Event.venue_name, Event.address, Event.postcode, Event.city,
               Event.updated_at, EventSession.title.label("session_title"),
               EventSession.ical_uid, EventSession.ical_sequence, EventSession.starts_at,
               EventSession.ends_at, Registration.calendar_sequence)
        .join(Registration, Registration.event_id == Event.id)
        .join(EventSession, EventSession.event_id == Event.id)
        .where(Registration.user_id == user.id,
               Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(EventSession.starts_at, EventSession.id)).all()
    link = event_link_builder()
    with force_locale(user.preferred_language or "nl"):
        texts = DescriptionTexts.current()
        entries = [vevent_data(row, _FeedSession(row), include_online_link=True,
                               sequence=row.ical_sequence + (row.calendar_sequence or 0),
                               dtstamp=row.updated_at, link=link(row.id), texts=texts)
                   for row in rows]
        return publish_feed(str(_l("Mijn Leerhuis")), entries)


class _FeedSession:
    """A feed row seen as its session (``vevent_data`` reads ``session.title``)."""

    __slots__ = ("ends_at", "ical_sequence", "ical_uid", "starts_at", "title")

    def __init__(self, row):
        self.title = row.session_title
        self.ical_uid, self.ical_sequence = row.ical_uid, row.ical_sequence
        self.starts_at, self.ends_at = row.starts_at, row.ends_at


def renew_feed_token(user: User) -> str:
    user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token


def revoke_feed_token(user: User) -> None:
    user.calendar_token = None


def user_for_feed_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalars(select(User).where(User.calendar_token == token)).first()


# --- Reminders -------------------------------------------------------------------------

def send_due_reminders(now: datetime | None = None) -> int:
    """Remind confirmed participants REMINDER_DAYS_BEFORE days (default 2) before each
    session — every session of a cohort, each once; online events carry their link."""
    now = now or utcnow()
    horizon = now + timedelta(days=current_app.config.get("REMINDER_DAYS_BEFORE", 2))
    already = select(SessionReminder.id).where(
        SessionReminder.registration_id == Registration.id,
        SessionReminder.session_id == EventSession.id).exists()
    due = db.session.execute(
        select(Registration, EventSession)
        .join(EventSession, EventSession.event_id == Registration.event_id)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.status == RegistrationStatus.CONFIRMED,
               Registration.user_id.is_not(None), Event.status == EventStatus.PUBLISHED,
               EventSession.starts_at > now, EventSession.starts_at <= horizon, ~already)
        .options(selectinload(Registration.user),
                 selectinload(Registration.event).selectinload(Event.sessions))
        .order_by(EventSession.starts_at, Registration.id)).all()
    for registration, session in due:
        user, event = registration.user, registration.event
        assert user is not None  # the query asks for user_id IS NOT NULL
        index = event.sessions.index(session) + 1
        suffix = f" ({index}/{len(event.sessions)})" if len(event.sessions) > 1 else ""
        subject = outbox.in_language_of(user, _l("Herinnering"))
        outbox.queue_template_mail(
            "reminder", to=user.email, user=user, kind="reminder",
            subject=f"{subject}: {event.title}{suffix}", event=event, session=session,
            session_index=index, link=external_url("programme.event_page", event_id=event.id))
        db.session.add(SessionReminder(registration_id=registration.id, session_id=session.id,
                                       sent_at=now))
    return len(due)
