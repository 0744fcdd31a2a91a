"""Registering and unregistering, with capacity and a waiting list that is correct under load.

Rules enforced here:
- one registration per person per event; a cohort is registered as a whole;
- registration is possible for a published event of a published programme, from the
  opening to the closing moment, before the first session starts, for the event's own
  region or, when the event is open to them, other regions;
- confirmed places never exceed the capacity, nor the maximum per organisation; who does
  not fit joins the waiting list (first come, first served);
- when a place frees up (someone leaves, the capacity is raised), the first in line who
  fits is promoted and told — or, when the event sets ``offer_hours``, offered the place:
  it is held for them for that many hours (never past the closing of registration or the
  start), and an offer left unanswered passes to the next in line. Nobody is promoted or
  offered a place after registration has closed or once the event has started;
- a person on the waiting list can leave it, and accept or decline an offer, with the
  signed link in their mail, without logging in;
- all of this happens while holding a lock on the event row (PostgreSQL: SELECT … FOR
  UPDATE with a lock timeout; SQLite: the write lock taken by a no-op UPDATE), so
  concurrent registrations cannot oversell.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, literal_column, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased

from leerhuis.errors import Busy, DomainError
from leerhuis.extensions import db, take_sqlite_write_lock
from leerhuis.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Event,
    EventSession,
    EventStatus,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from leerhuis.services import calendar_invites, klankbordgroep, outbox, programme, tokens
from leerhuis.services.links import external_url

LOCK_TIMEOUT = "5s"


class RegistrationError(DomainError):
    """Registering, leaving or taking an offered place is refused."""


@dataclass
class RegistrationInput:
    skj_number: str | None = None
    diet: str = ""
    accessibility_needs: str = ""
    consent_share_name: bool = False
    # Prefilled from the profile on the form; None takes the profile's value.
    function: str | None = None
    municipality_name: str | None = None


def lock_event(event_id: int) -> Event:
    """Take the event's write lock for the rest of the transaction and return it fresh."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        event = db.session.scalars(select(Event).where(Event.id == event_id)
                                   .with_for_update(of=Event)
                                   .execution_options(populate_existing=True)
                                   ).one()
    else:
        # SQLite has one writer at a time: holding it makes the rest of this transaction
        # run alone.
        take_sqlite_write_lock(db.session)
        event = db.session.scalars(select(Event).where(Event.id == event_id)
                                   .execution_options(populate_existing=True)).one()
    return event


def retry_on_lock_timeout(action, attempts: int = 3, *, event_id: int | None = None):
    """Run ``action`` (which takes the lock of the event ``event_id``); if the lock could not
    be had within LOCK_TIMEOUT, roll back and try again. Under a burst this keeps requests
    from failing while each still waits its turn; after the last try, RegistrationBusy."""
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as exc:
            code = getattr(getattr(exc, "orig", None), "sqlstate", None)
            locked = code == "55P03" or "database is locked" in str(exc)
            db.session.rollback()
            if not locked or attempt == attempts - 1:
                raise RegistrationBusy(event_id) from exc
    raise RegistrationBusy(event_id)


class RegistrationBusy(Busy):
    """The event stayed locked by others for too long: ask the person to try again."""

    def __init__(self, event_id: int | None = None):
        self.event_id = event_id
        title = (db.session.scalar(select(Event.title).where(Event.id == event_id))
                 if event_id is not None else None)
        if title is None:
            super().__init__(_("Het is nu erg druk"))
        else:
            super().__init__(_('Veel mensen melden zich op dit moment aan voor "%(title)s". Er '
                               'is niets veranderd aan je aanmelding. Probeer het over een '
                               'ogenblik opnieuw.', title=title))

    @property
    def back_url(self) -> str | None:
        if self.event_id is None:
            return None
        return url_for("programme.event_page", event_id=self.event_id)


def registration_closed_reason(event: Event, user: User, now: datetime | None = None) -> str | None:
    """Why ``user`` cannot register now, in Dutch, or None."""
    now = now or utcnow()
    if event.status is not EventStatus.PUBLISHED or not programme.is_released(event):
        return _("Voor deze activiteit kun je je (nog) niet aanmelden.")
    if event.region_id != user.region_id and not event.open_to_other_regions:
        return _("Deze activiteit is alleen voor professionals uit de eigen regio.")
    if not klankbordgroep.may_attend(user, event):
        return _("Deze bijeenkomst is alleen voor de leden van de klankbordgroep.")
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("De aanmelding is nog niet geopend.")
    if event.registration_closes_at and now > event.registration_closes_at:
        return _("De aanmelding is gesloten.")
    if event.starts_at and now >= event.starts_at:
        return _("Deze activiteit is al begonnen.")
    return None


def confirmed_count(event_id: int, organisation_id: int | None = None) -> int:
    """Places taken: confirmed registrations plus offers that hold a place."""
    stmt = select(func.count()).select_from(Registration).where(
        Registration.event_id == event_id, Registration.status.in_(SEAT_STATUSES))
    if organisation_id is not None:
        stmt = stmt.where(Registration.organisation_id == organisation_id)
    return db.session.scalar(stmt) or 0


def _fits(event: Event, organisation_id: int | None) -> bool:
    if event.capacity is not None and confirmed_count(event.id) >= event.capacity:
        return False
    if event.max_per_organisation and organisation_id is not None:
        return confirmed_count(event.id, organisation_id) < event.max_per_organisation
    return True


def register(event_id: int, user: User, data: RegistrationInput, *, added_by: User | None = None,
             now: datetime | None = None) -> Registration:
    """Register ``user``: a confirmed place if one is free for them, else the waiting list."""
    event = lock_event(event_id)
    now = now or utcnow()
    if added_by is None:
        reason = registration_closed_reason(event, user, now)
        if reason:
            raise RegistrationError(reason)
    if event.is_accredited and not (data.skj_number or user.skj_number):
        raise RegistrationError(_("Vul je SKJ-registratienummer in: deze activiteit is "
                                "geaccrediteerd."), field="skj_number")
    registration = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id)).first()
    if registration is not None and registration.status in ACTIVE_STATUSES:
        raise RegistrationError({
            RegistrationStatus.CONFIRMED: _("Je bent al aangemeld voor deze activiteit."),
            RegistrationStatus.WAITLISTED: _("Je staat al op de wachtlijst voor deze activiteit."),
            RegistrationStatus.OFFERED: _("Er staat al een plaats voor je klaar. Neem die aan "
                                          "met de link in je e-mail."),
        }[registration.status])
    fits = _fits(event, user.organisation_id)
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id, calendar_sequence=0)
    registration.organisation_id = user.organisation_id
    registration.function = (user.function if data.function is None else data.function).strip()
    registration.municipality_name = (
        (user.municipality.name if user.municipality else "") if data.municipality_name is None
        else data.municipality_name.strip())
    registration.skj_number = data.skj_number or user.skj_number
    registration.diet = data.diet.strip()
    registration.accessibility_needs = data.accessibility_needs.strip()
    registration.consent_share_name = data.consent_share_name
    registration.registered_at = now
    registration.cancelled_at = None
    registration.offered_until = None
    registration.added_by_id = added_by.id if added_by is not None else None
    if fits:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.waitlisted_at = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
    db.session.add(registration)
    db.session.flush()
    _mail(registration, "registration_confirmed"
          if registration.status is RegistrationStatus.CONFIRMED else "registration_waitlisted")
    return registration


def unregister(registration: Registration, *, by: User, now: datetime | None = None,
               deadline_applies: bool = True) -> None:
    """Cancel a registration (leave the waiting list, decline an offer) and promote who is
    next. After the cancellation deadline only the organiser or the Region may cancel a
    confirmed place — or the deletion of the person's account (``deadline_applies=False``):
    a place held by nobody helps nobody."""
    event = lock_event(registration.event_id)
    now = now or utcnow()
    db.session.refresh(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise RegistrationError(_("Deze aanmelding is al afgemeld."))
    is_staff = programme.can_manage(by, event)
    was_confirmed = registration.status is RegistrationStatus.CONFIRMED
    held_a_place = registration.status in SEAT_STATUSES
    if was_confirmed and deadline_applies and not is_staff and event.cancellation_deadline and (
            now > event.cancellation_deadline):
        contact = event.contact_email or event.organisation.name
        raise RegistrationError(
            _("De termijn om je af te melden is verstreken. Neem contact op met de organisator "
              "(%(contact)s).", contact=contact))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.offered_until = None
    db.session.flush()
    _mail(registration, "attendance_cancelled" if was_confirmed else "registration_cancelled")
    if held_a_place:
        promote_waiting(event, now=now)


def promote_waiting(event: Event, *, now: datetime | None = None) -> list[Registration]:
    """Fill free places from the waiting list, in order, skipping who does not fit their
    organisation's maximum: confirmed outright, or — when the event sets ``offer_hours`` —
    offered, the place held until the offer expires. Must be called with the event locked."""
    now = now or utcnow()
    if event.status is not EventStatus.PUBLISHED:
        return []
    if event.registration_closes_at and now > event.registration_closes_at:
        return []
    if event.starts_at and now >= event.starts_at:
        return []
    promoted = []
    waiting = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)).all()
    for registration in waiting:
        if event.capacity is not None and confirmed_count(event.id) >= event.capacity:
            break
        if not _fits(event, registration.organisation_id):
            continue
        promoted.append(registration)
        if event.offer_hours:
            registration.status = RegistrationStatus.OFFERED
            registration.offered_until = min(m for m in (
                now + timedelta(hours=event.offer_hours), event.registration_closes_at,
                event.starts_at) if m is not None)
            db.session.flush()
            _mail(registration, "registration_offered")
        else:
            registration.status = RegistrationStatus.CONFIRMED
            registration.confirmed_at = now
            db.session.flush()
            _mail(registration, "registration_promoted")
    return promoted


def promote_after_change(event_id: int, *, now: datetime | None = None) -> list[Registration]:
    """After an edit of the event (a higher capacity or per-organisation maximum): give the
    places that became free to the waiting list, under the event lock."""
    return promote_waiting(lock_event(event_id), now=now)


def accept_offer(registration: Registration, *, now: datetime | None = None) -> None:
    """The person offered a place takes it, before the offer expires."""
    event = lock_event(registration.event_id)
    now = now or utcnow()
    db.session.refresh(registration)
    if registration.status is RegistrationStatus.CONFIRMED:
        return  # a second click on the same link
    if (registration.status is not RegistrationStatus.OFFERED
            or registration.offered_until is None or now > registration.offered_until
            or event.status is not EventStatus.PUBLISHED):
        raise RegistrationError(_("Dit aanbod is verlopen of niet meer geldig. De plaats is "
                                  "naar de volgende op de wachtlijst gegaan."))
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.offered_until = None
    db.session.flush()
    _mail(registration, "registration_confirmed")


def expire_offers(now: datetime | None = None) -> int:
    """Offers not taken in time: the person leaves the list (and is told), the place goes to
    the next in line. Commits per event so that one busy event does not hold up others."""
    now = now or utcnow()
    event_ids = db.session.scalars(select(Registration.event_id).where(
        Registration.status == RegistrationStatus.OFFERED, Registration.offered_until < now)
        .distinct()).all()
    expired = 0

    def expire(event_id: int) -> int:
        event = lock_event(event_id)
        rows = db.session.scalars(select(Registration).where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.OFFERED,
            Registration.offered_until < now)).all()
        for registration in rows:
            registration.status = RegistrationStatus.CANCELLED
            registration.cancelled_at = now
            db.session.flush()
            _mail(registration, "registration_offer_expired")
            registration.offered_until = None
        promote_waiting(event, now=now)
        db.session.commit()
        return len(rows)

    for event_id in event_ids:
        try:
            expired += retry_on_lock_timeout(lambda event_id=event_id: expire(event_id))
        except RegistrationBusy:
            continue  # the next run picks it up
    return expired


# --- The link in waiting-list mails ------------------------------------------------------

LINK_MAX_AGE = 400 * 24 * 3600  # the registration's state decides; the signature just has to hold


def waitlist_link_token(registration: Registration) -> str:
    """Signed, bound to this registration round: registering again makes old links void."""
    return tokens.make_token("waitlist", {"r": registration.id,
                                          "at": registration.registered_at.isoformat()})


def registration_for_link(token: str) -> Registration | None:
    try:
        data = tokens.read_token("waitlist", token, LINK_MAX_AGE)
    except tokens.TokenError:
        return None
    registration = db.session.get(Registration, data.get("r")) if isinstance(
        data.get("r"), int) else None
    if registration is None or registration.user is None:
        return None
    if registration.registered_at.isoformat() != data.get("at"):
        return None
    return registration


def waitlist_position(registration: Registration) -> int | None:
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id,
        Registration.status == RegistrationStatus.WAITLISTED,
        (Registration.waitlisted_at < registration.waitlisted_at)
        | ((Registration.waitlisted_at == registration.waitlisted_at)
           & (Registration.id < registration.id))))
    return (ahead or 0) + 1


def waitlist_positions(rows: list[Registration]) -> dict[int, int]:
    """``waitlist_position`` for many registrations (of one person) in one query: the place
    of each waiting registration in its event's line, same order (joined, then id)."""
    waiting = [r for r in rows if r.status is RegistrationStatus.WAITLISTED]
    if not waiting:
        return {}
    line = select(Registration.id, func.row_number().over(
        partition_by=Registration.event_id,
        order_by=(Registration.waitlisted_at, Registration.id)).label("position")).where(
        Registration.event_id.in_({r.event_id for r in waiting}),
        Registration.status == RegistrationStatus.WAITLISTED).subquery()
    return dict(db.session.execute(select(line.c.id, line.c.position).where(
        line.c.id.in_([r.id for r in waiting]))).all())


@dataclass(frozen=True)
class EventLine:
    id: int
    title: str
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class RegistrationLine:
    """A registration as Mijn Leerhuis shows it: plain data, no ORM object."""

    id: int
    status: RegistrationStatus
    offered_until: datetime | None
    event: EventLine
    waitlist_position: int | None


@functools.cache
def _overview_statement():
    # The constants (LIMIT 1, the waiting-list status) are written into the SQL, not bound:
    # PostgreSQL cannot cost a prepared plan for values it does not know, so with them bound
    # it planned this query afresh on every view of Mijn Leerhuis.
    waitlisted = bindparam("waitlisted", RegistrationStatus.WAITLISTED,
                           type_=Registration.status.type, literal_execute=True)
    one = literal_column("1")
    ahead = aliased(Registration)
    place = (select(func.count()).select_from(ahead).where(
        ahead.event_id == Registration.event_id,
        ahead.status == waitlisted,
        (ahead.waitlisted_at < Registration.waitlisted_at)
        | ((ahead.waitlisted_at == Registration.waitlisted_at) & (ahead.id <= Registration.id)))
        .correlate(Registration).scalar_subquery())
    first = (select(EventSession.starts_at).where(EventSession.event_id == Event.id)
             .order_by(EventSession.starts_at).limit(one).correlate(Event).scalar_subquery())
    last = (select(EventSession.ends_at).where(EventSession.event_id == Event.id)
            .order_by(EventSession.starts_at.desc()).limit(one).correlate(Event)
            .scalar_subquery())
    return (select(Registration.id, Registration.status, Registration.offered_until, Event.id,
                   Event.title, first, last,
                   case((Registration.status == waitlisted, place)))
            .join(Event, Registration.event_id == Event.id)
            .where(Registration.user_id == bindparam("user_id"))
            .order_by(Registration.registered_at.desc(), Registration.id.desc()))


def overview_for(user: User) -> list[RegistrationLine]:
    """A person's registrations, newest first, each waiting one with its place in line (as
    ``waitlist_position`` counts it), in one query however long the history is."""
    return [RegistrationLine(id=reg_id, status=status, offered_until=offered_until,
                             event=EventLine(event_id, title, starts_at, ends_at),
                             waitlist_position=position)
            for reg_id, status, offered_until, event_id, title, starts_at, ends_at, position
            in db.session.execute(_overview_statement(), {"user_id": user.id})]


@functools.cache
def _registration_statement():
    return select(Registration).where(Registration.event_id == bindparam("event_id"),
                                      Registration.user_id == bindparam("user_id"))


def registration_for(event: Event, user: User) -> Registration | None:
    if not user.is_authenticated:
        return None
    return db.session.scalars(_registration_statement(),
                              {"event_id": event.id, "user_id": user.id}).first()


def _mail(registration: Registration, template: str) -> None:
    """Confirmations are calendar invitations; the waiting list gets a plain mail."""
    user = registration.user
    if user is None:
        return
    link = external_url("programme.event_page", event_id=registration.event_id)
    if template == "registration_confirmed":
        calendar_invites.send_requests(registration, reason="confirmed",
                                       subject=_l("Aanmelding bevestigd"))
    elif template == "registration_promoted":
        calendar_invites.send_requests(
            registration, reason="promoted",
            subject=_l("Er is een plaats voor je vrijgekomen"))
    elif template == "attendance_cancelled":
        calendar_invites.send_cancellations_to(registration)
    else:
        event = registration.event
        outbox.queue_template_mail(
            template, to=user.email, user=user, kind=template,
            subject=f"{outbox.in_language_of(user, PLAIN_SUBJECTS[template])}: {event.title}",
            event=event, registration=registration, position=waitlist_position(registration),
            link=link, offered_until=registration.offered_until,
            waitlist_link=external_url("registrations.waitlist_link",
                                       token=waitlist_link_token(registration)))


PLAIN_SUBJECTS = {
    "registration_waitlisted": _l("Je staat op de wachtlijst"),
    "registration_cancelled": _l("Je staat niet meer op de wachtlijst"),
    "registration_offered": _l("Er is een plaats voor je vrij: neem hem aan"),
    "registration_offer_expired": _l("Je aanbod is verlopen"),
}
