"""The registration list of an event for its organisers and the Region.

What each of them sees of a participant is decided in ``services.visibility`` (the Region
everything, an organiser a name only with the participant's consent and never e-mail or
SKJ number); the columns follow: a column nobody on this list may see is left out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import ACTIVE_STATUSES, Event, Registration, RegistrationStatus, User
from leerhuis.services import audit, outbox, registrations, spreadsheets, visibility
from leerhuis.services.accounts import find_user_by_email
from leerhuis.services.links import external_url

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Export columns: (header, field of the row); the Region's list has them all.
COLUMNS = [("naam", "name"), ("e-mailadres", "email"), ("organisatie", "organisation"),
           ("functie", "function"), ("gemeente", "municipality"), ("SKJ-nummer", "skj_number"),
           ("status", "status"), ("plaats op wachtlijst", "position"),
           ("aangemeld op", "registered_at"), ("dieetwensen", "diet"),
           ("toegankelijkheid", "accessibility")]
REGION_ONLY = {"email", "skj_number"}


@dataclass
class Row:
    registration: Registration
    view: visibility.ParticipantView
    position: int | None
    registered_at: str

    @property
    def name(self) -> str:
        return self.view.display_name

    def value(self, field: str):
        if field == "name":
            return self.view.display_name
        if field == "status":
            return self.registration.status.value
        if field == "position":
            return self.position or ""
        if field == "registered_at":
            return self.registered_at
        return getattr(self.view, field) or ""


def columns(event: Event, viewer: User) -> list[tuple[str, str]]:
    """The columns this viewer's list and exports have."""
    if visibility.viewer_role(viewer, event) is visibility.Viewer.REGION:
        return COLUMNS
    return [(header, field) for header, field in COLUMNS if field not in REGION_ONLY]


def _active(event: Event):
    return (select(Registration).where(Registration.event_id == event.id,
                                       Registration.status.in_(ACTIVE_STATUSES))
            .options(selectinload(Registration.user), selectinload(Registration.organisation))
            .order_by(Registration.status, Registration.waitlisted_at, Registration.id))


def rows(event: Event, viewer: User) -> list[Row]:
    """Every active registration the viewer may see (the exports)."""
    found = db.session.scalars(_active(event)).all()
    waiting = [r for r in found if r.status is RegistrationStatus.WAITLISTED]
    positions = {r.id: index + 1 for index, r in enumerate(
        sorted(waiting, key=lambda r: (r.waitlisted_at, r.id)))}
    return _rows(event, found, positions, viewer)


@dataclass
class ParticipantPage:
    """One page of the list on screen: its pagination (the page links) and its rows."""

    pagination: Pagination
    rows: list[Row]


def page(event: Event, viewer: User, number: int, per_page: int = 50) -> ParticipantPage:
    """One page of the list on screen (a big training or a spiegelbijeenkomst in a hall
    has hundreds), waiting-list places counted over the whole line."""
    pagination = db.paginate(_active(event), page=number, per_page=per_page, error_out=False)
    return ParticipantPage(pagination, _rows(event, pagination.items,
                                             registrations.waitlist_positions(pagination.items),
                                             viewer))


def _rows(event: Event, found, positions: dict[int, int], viewer: User) -> list[Row]:
    views = visibility.participant_views(event, found, viewer)
    return [Row(registration=registration, view=views[registration.id],
                position=positions.get(registration.id),
                # Stored in UTC; the organiser reads the clock of the region.
                registered_at=f"{registration.registered_at.astimezone(AMSTERDAM):%Y-%m-%d %H:%M}")
            for registration in found if registration.id in views]


def _table(event: Event, viewer: User) -> tuple[list[str], list[list]]:
    shown = columns(event, viewer)
    return ([header for header, _field in shown],
            [[row.value(field) for _header, field in shown] for row in rows(event, viewer)])


def as_csv(event: Event, viewer: User) -> str:
    header, values = _table(event, viewer)
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out)
    writer.writerow(header)
    for row in values:
        writer.writerow(row)
    audit.record("export.registrations", actor=viewer, subject=f"event:{event.id}", format="csv")
    return "\ufeff" + out.getvalue()


def as_xlsx(event: Event, viewer: User) -> bytes:
    header, values = _table(event, viewer)
    content = spreadsheets.xlsx([("Aanmeldingen", header, values)])
    audit.record("export.registrations", actor=viewer, subject=f"event:{event.id}", format="xlsx")
    return content


class ParticipantError(DomainError):
    """Staff cannot add this person to the event."""


def add_by_hand(event: Event, email: str, *, by: User) -> Registration:
    """Staff add an existing account; capacity still holds (full → waiting list)."""
    user = find_user_by_email(email)
    if user is None:
        raise ParticipantError(_("Er is geen account met dit e-mailadres. Vraag de persoon eerst "
                               "een account aan te maken."), field="email")
    try:
        registration = registrations.register(event.id, user, registrations.RegistrationInput(),
                                              added_by=by)
    except registrations.RegistrationError as exc:
        raise ParticipantError(exc.message, field="email") from exc
    audit.record("registration.added_by_hand", actor=by, subject=f"event:{event.id}",
                 user_id=user.id)
    return registration


def remove(registration: Registration, *, by: User) -> None:
    registrations.unregister(registration, by=by)
    audit.record("registration.removed_by_hand", actor=by,
                 subject=f"event:{registration.event_id}", registration_id=registration.id)


def message_participants(event: Event, subject: str, body: str, *, by: User) -> int:
    """One mail per confirmed participant, through the outbox."""
    people = db.session.scalars(
        select(User).join(Registration, Registration.user_id == User.id)
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED)).all()
    for user in people:
        outbox.queue_template_mail(
            "participant_message", to=user.email, user=user, kind="participant_message",
            subject=f"{subject.strip()} — {event.title}", event=event, body=body.strip(),
            link=external_url("programme.event_page", event_id=event.id))
    audit.record("event.message_sent", actor=by, subject=f"event:{event.id}",
                 recipients=len(people))
    return len(people)
