"""The registration list of an event for its organisers and the Region.

Rule on names: the Region always sees who registered; an organiser sees a participant's
name only when that person consented to share it (asked on the registration form) —
otherwise "(naam niet gedeeld)" with organisation and function, enough to plan the room.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from leerhuis.extensions import db
from leerhuis.models import ACTIVE_STATUSES, Event, Registration, RegistrationStatus, User
from leerhuis.services import audit, outbox, programme, registrations, spreadsheets
from leerhuis.services.links import external_url

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HIDDEN_NAME = _l("(naam niet gedeeld)")
HEADER = ["naam", "e-mailadres", "organisatie", "functie", "gemeente", "SKJ-nummer", "status",
          "plaats op wachtlijst", "aangemeld op", "dieetwensen", "toegankelijkheid"]


@dataclass
class Row:
    registration: Registration
    name: str
    email: str
    organisation: str
    function: str
    municipality: str
    skj_number: str
    status: str
    position: int | None
    registered_at: str
    diet: str
    accessibility: str

    def values(self) -> list:
        # str(): a lazy translation (the hidden name) is no value a spreadsheet or csv takes.
        return [str(self.name), self.email, self.organisation, self.function, self.municipality,
                self.skj_number, self.status, self.position or "", self.registered_at,
                self.diet, self.accessibility]


def _active(event: Event):
    return (select(Registration).where(Registration.event_id == event.id,
                                       Registration.status.in_(ACTIVE_STATUSES))
            .options(selectinload(Registration.user), selectinload(Registration.organisation))
            .order_by(Registration.status, Registration.waitlisted_at, Registration.id))


def rows(event: Event, viewer: User) -> list[Row]:
    """Every active registration (the exports)."""
    found = db.session.scalars(_active(event)).all()
    waiting = [r for r in found if r.status is RegistrationStatus.WAITLISTED]
    positions = {r.id: index + 1 for index, r in enumerate(
        sorted(waiting, key=lambda r: (r.waitlisted_at, r.id)))}
    return _rows(found, positions, programme.is_region_admin_for(viewer, event))


def page(event: Event, viewer: User, number: int, per_page: int = 50):
    """One page of the list on screen (a big training or a spiegelbijeenkomst in a hall
    has hundreds); ``.rows`` holds its rows, waiting-list places counted over the whole
    line."""
    pagination = db.paginate(_active(event), page=number, per_page=per_page, error_out=False)
    pagination.rows = _rows(pagination.items, registrations.waitlist_positions(pagination.items),
                            programme.is_region_admin_for(viewer, event))
    return pagination


def _rows(found, positions: dict[int, int], region_view: bool) -> list[Row]:
    result = []
    for registration in found:
        user = registration.user
        shown = region_view or registration.consent_share_name
        result.append(Row(
            registration=registration,
            name=(user.full_name if user else _("(verwijderd account)")) if shown else HIDDEN_NAME,
            email=(user.email if user and shown else ""),
            organisation=registration.organisation.name if registration.organisation else "",
            function=registration.function, municipality=registration.municipality_name,
            skj_number=registration.skj_number or "", status=registration.status.value,
            position=positions.get(registration.id),
            # Stored in UTC; the organiser reads the clock of the region.
            registered_at=f"{registration.registered_at.astimezone(AMSTERDAM):%Y-%m-%d %H:%M}",
            diet=registration.diet, accessibility=registration.accessibility_needs))
    return result


def as_csv(event: Event, viewer: User) -> str:
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out)
    writer.writerow(HEADER)
    for row in rows(event, viewer):
        writer.writerow(row.values())
    audit.record("export.registrations", actor=viewer, subject=f"event:{event.id}", format="csv")
    return "\ufeff" + out.getvalue()


def as_xlsx(event: Event, viewer: User) -> bytes:
    content = spreadsheets.xlsx([("Aanmeldingen", HEADER,
                                  [row.values() for row in rows(event, viewer)])])
    audit.record("export.registrations", actor=viewer, subject=f"event:{event.id}", format="xlsx")
    return content


class ParticipantError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def add_by_hand(event: Event, email: str, *, by: User) -> Registration:
    """Staff add an existing account; capacity still holds (full → waiting list)."""
    from leerhuis.services.accounts import find_user_by_email

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
    audit.record("event.message_sent", actor=by, subject=f"event:{event.id}", recipients=len(people))
    return len(people)
