"""Demo participation: registrations for this year's programme, attendance for what has
happened, certificates for the demo deelnemer, anonymous evaluations.

Rows are written directly (no confirmation mails for a hundred invented people); only the
demo deelnemer's certificates go through the real issuing service, so their PDFs and the
certificate mail exist. Idempotent: registrations are looked up by (event, user), and an
event that already has evaluation answers gets none added.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceSource,
    AttendanceState,
    EvaluationResponse,
    Event,
    EventStatus,
    Region,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from leerhuis.services import certificates

DEMO_DEELNEMER = "deelnemer@example.org"
# The demo deelnemer went to these (and the case discussion coupled to the first).
DEELNEMER_EVENTS = ("Werkbezoek Gezinshuis De Linde", "Gesprekstechnieken rond uithuisplaatsing",
                    "Spiegelbijeenkomst: wat had ons geholpen?")
DO_DIFFERENTLY = [
    "Eerder het netwerk van het gezin betrekken.",
    "Vaker vragen wat de jongere zelf wil.",
    "Bij twijfel eerst een gezinshuis bezoeken voordat ik verwijs.",
    "Rustiger doorvragen als een ouder boos wordt.",
    "De sociale kaart bijhouden met wat ik vandaag zag.",
]
SUGGESTIONS = [
    "Graag een vervolg met casussen uit het onderwijs.",
    "Meer tijd voor de casuïstiekbespreking.",
    "Een werkbezoek bij een pleeggezin zou ook mooi zijn.",
    "",
    "Online terugkijken zou handig zijn.",
]


def seed_participation(_fake, regions: dict[str, Region], _organisations) -> dict[str, int]:
    region = regions["gooi-en-vechtstreek"]
    rng = random.Random(20261125)
    people = list(db.session.scalars(select(User).where(
        User.region_id == region.id, User.is_region_admin.is_(False),
        User.email != DEMO_DEELNEMER).order_by(User.id)))
    deelnemer = db.session.scalars(select(User).where(User.email == DEMO_DEELNEMER)).first()
    now = utcnow()
    events = list(db.session.scalars(select(Event).where(
        Event.region_id == region.id, Event.programme_year == now.year,
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.FINISHED])).order_by(Event.id)))
    for event in events:
        if event.type.code == "klankbordgroep":
            continue  # the klankbordgroep demo registers its members
        wanted = min(event.capacity or 12, 12) - 2
        chosen = rng.sample(people, k=min(wanted, len(people)))
        if deelnemer is not None and _is_deelnemer_event(event):
            chosen.append(deelnemer)
        for user in chosen:
            registration = _registration(event, user)
            if event.ends_at < now:
                present = user is deelnemer or rng.random() < 0.85
                _attendance(registration, event, present)
        if event.ends_at < now and event.attendance_closed_at is None:
            event.attendance_closed_at = event.ends_at + timedelta(days=1)
    db.session.flush()
    _certificates_for(deelnemer)
    answered = sum(_evaluations(event, rng) for event in events if event.ends_at < now)
    return {
        "registrations": db.session.scalar(select(func.count()).select_from(Registration)),
        "evaluations": answered,
    }


def _is_deelnemer_event(event: Event) -> bool:
    return event.title in DEELNEMER_EVENTS or (
        event.coupled_to is not None and event.coupled_to.title in DEELNEMER_EVENTS)


def _registration(event: Event, user: User) -> Registration:
    registration = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.user_id == user.id)).first()
    if registration is None:
        registered_at = event.starts_at - timedelta(days=21)
        registration = Registration(
            event_id=event.id, user_id=user.id, status=RegistrationStatus.CONFIRMED,
            organisation_id=user.organisation_id, function=user.function,
            municipality_name=user.municipality.name if user.municipality else "",
            skj_number=user.skj_number, consent_share_name=True, registered_at=registered_at,
            confirmed_at=registered_at)
        db.session.add(registration)
        db.session.flush()
    return registration


def _attendance(registration: Registration, event: Event, present: bool) -> None:
    for session in event.sessions:
        exists = db.session.scalar(select(Attendance.id).where(
            Attendance.registration_id == registration.id, Attendance.session_id == session.id))
        if exists is None:
            db.session.add(Attendance(
                registration_id=registration.id, session_id=session.id,
                state=AttendanceState.PRESENT if present else AttendanceState.ABSENT,
                source=AttendanceSource.ORGANISER, marked_at=session.ends_at))


def _certificates_for(deelnemer: User | None) -> None:
    """Real certificates (PDF stored, mail queued) for the demo deelnemer's past activities."""
    if deelnemer is None:
        return
    events = db.session.scalars(select(Event).join(Registration).where(
        Registration.user_id == deelnemer.id, Event.attendance_closed_at.is_not(None))
        .order_by(Event.id)).all()
    # eligible_registrations leaves out a discussion already on its werkbezoek's certificate.
    entitled = [r for event in events for r in certificates.eligible_registrations(event)
                if r.user_id == deelnemer.id]
    if entitled:
        certificates.issue(entitled, by=None)


def _evaluations(event: Event, rng: random.Random) -> int:
    """About two thirds of those present answer; answers carry no link to them."""
    if not event.issues_certificate or db.session.scalar(select(EvaluationResponse.id).where(
            EvaluationResponse.event_id == event.id).limit(1)) is not None:
        return 0
    present = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id,
        Registration.id.in_(select(Attendance.registration_id).where(
            Attendance.state == AttendanceState.PRESENT)))).all()
    answered = 0
    for registration in present:
        registration.evaluation_invited = True
        if rng.random() < 0.67:
            db.session.add(EvaluationResponse(
                event_id=event.id, answered_on=(event.ends_at + timedelta(days=2)).date(),
                grade=rng.choice([6, 7, 7, 8, 8, 8, 9, 9, 10]), usefulness=rng.choice([3, 4, 4, 5]),
                do_differently=rng.choice(DO_DIFFERENTLY), suggestions=rng.choice(SUGGESTIONS)))
            answered += 1
    return answered
