"""Who may see what of a participant: one rule for every page, export, PDF, mail and API.

The rule (AVG: minimal data per purpose), by who looks at a registration:

- **Regio-beheerder of the event's region**: everything the registration holds — name,
  e-mail, organisation, function, municipality, SKJ number, diet, accessibility. The
  Region keeps the registrations, issues the bewijzen van deelname and answers SKJ
  questions (domain §2, §3).
- **Organiser of the event, participant consented** ("De organisator mag mijn naam en
  organisatie zien"): name, organisation, function, municipality, diet and accessibility
  needs (to host the person). No e-mail (the portal mails participants for the organiser)
  and no SKJ number (see below).
- **Organiser of the event, no consent**: a stable pseudonym, "Deelnemer 7" (the seventh
  registration for this event, counted over all its registrations so that the number never
  changes), plus diet and accessibility needs. Nothing that identifies the person: no
  name, e-mail, organisation, function, municipality or SKJ number (an SKJ number is
  public in the SKJ register and names its holder). Attendance is still kept against the
  pseudonym; the participant sees their own number on the event page and can say it at
  the door, or check in with the session code.
- **The participant themself**: their own registration, in full.
- **A bewijs van deelname** (full name and SKJ number on it) follows the same rule: its
  holder and the Region open it; an organiser only where they see the name
  (``may_open_certificate``).
- **Anyone else** (another organiser, another participant, a visitor): nobody.

SKJ points (domain §3): for an accredited training the *provider* enters the points in
Mijn SKJ with the participant's SKJ number, which names the person anyway. So the
registration form of an accredited training tells the participant that their name and
SKJ number go to the organiser for that purpose, and only the organiser's SKJ-points
export (``skj_points_view``) carries them, for who earned the points; no other view does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from leerhuis.extensions import db
from leerhuis.models import Event, Registration, RegistrationStatus, User
from leerhuis.services import programme


class Viewer(enum.Enum):
    REGION = "regio"
    ORGANISER = "organisator"
    SELF = "zelf"
    NOBODY = "niemand"


@dataclass(frozen=True)
class ParticipantView:
    """What one viewer may see of one registration; a field is None when they may not."""

    registration_id: int
    number: int
    display_name: str
    # True when display_name is the pseudonym: the viewer does not know who this is.
    pseudonymous: bool
    email: str | None
    organisation: str | None
    function: str | None
    municipality: str | None
    skj_number: str | None
    diet: str | None
    accessibility: str | None

    @property
    def sort_key(self) -> tuple:
        """Named people by last name, then pseudonyms by number."""
        if self.pseudonymous:
            return (1, self.number, "")
        return (0, 0, self.display_name.split()[-1].lower() if self.display_name else "")


def viewer_role(viewer: User | None, event: Event, registration: Registration | None = None
                ) -> Viewer:
    if viewer is None or not viewer.is_authenticated:
        return Viewer.NOBODY
    if programme.is_region_admin_for(viewer, event):
        return Viewer.REGION
    if registration is not None and registration.user_id == viewer.id:
        return Viewer.SELF
    if programme.is_organiser_of(viewer, event):
        return Viewer.ORGANISER
    return Viewer.NOBODY


def pseudonym(number: int) -> str:
    return _("Deelnemer %(n)d", n=number)


def registration_numbers(event: Event) -> dict[int, int]:
    """Registration id → its number within the event: 1 for the first registration ever
    made for it, cancelled ones included, so a number never moves to someone else."""
    ids = db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)
                             .order_by(Registration.id))
    return {registration_id: index + 1 for index, registration_id in enumerate(ids)}


def participant_number(registration: Registration) -> int:
    """The same number as ``registration_numbers`` gives, in one count."""
    return db.session.execute(select(func.count(Registration.id)).where(
        Registration.event_id == registration.event_id, Registration.id <= registration.id)
    ).scalar_one()


def own_pseudonym(registration: Registration | None) -> str | None:
    """What a confirmed participant who did not share their name is called on the
    organiser's lists, for them to say at the door; None when the organiser sees the name."""
    if (registration is None or registration.consent_share_name
            or registration.status is not RegistrationStatus.CONFIRMED):
        return None
    return pseudonym(participant_number(registration))


def _view(registration: Registration, role: Viewer, number: int) -> ParticipantView | None:
    if role is Viewer.NOBODY:
        return None
    user = registration.user
    named = role in (Viewer.REGION, Viewer.SELF) or registration.consent_share_name
    full = role in (Viewer.REGION, Viewer.SELF)
    if not named:
        return ParticipantView(
            registration_id=registration.id, number=number, display_name=pseudonym(number),
            pseudonymous=True, email=None, organisation=None, function=None,
            municipality=None, skj_number=None, diet=registration.diet,
            accessibility=registration.accessibility_needs)
    return ParticipantView(
        registration_id=registration.id, number=number,
        display_name=user.full_name if user else _("(verwijderd account)"),
        pseudonymous=False,
        email=(user.email if user else "") if full else None,
        organisation=registration.organisation.name if registration.organisation else "",
        function=registration.function, municipality=registration.municipality_name,
        skj_number=(registration.skj_number or "") if full else None,
        diet=registration.diet, accessibility=registration.accessibility_needs)


def participant_view(registration: Registration, viewer: User | None, *,
                     number: int | None = None) -> ParticipantView | None:
    """What ``viewer`` may see of ``registration``; None when they may not see it at all."""
    role = viewer_role(viewer, registration.event, registration)
    return _view(registration, role, number or participant_number(registration))


def participant_views(event: Event, registrations: Iterable[Registration],
                      viewer: User | None) -> dict[int, ParticipantView]:
    """Registration id → view, for the registrations of ``event`` this viewer may see
    (all for the Region and the organisers, one's own for a participant, none otherwise)."""
    numbers = registration_numbers(event)
    staff = viewer_role(viewer, event)
    result = {}
    for registration in registrations:
        role = staff
        if (staff is not Viewer.REGION and viewer is not None and viewer.is_authenticated
                and registration.user_id == viewer.id):
            role = Viewer.SELF
        view = _view(registration, role, numbers[registration.id])
        if view is not None:
            result[registration.id] = view
    return result


def actor_names(event: Event, actors: Iterable[User | None], viewer: User | None
                ) -> dict[int, str]:
    """User id → how ``viewer`` may name that person where they changed something on the
    event (the attendance history). Whoever is registered for the event is named as their
    registration is shown — a self check-in must not give away a name the organiser may
    not see —, staff by name."""
    wanted = {actor.id: actor for actor in actors if actor is not None}
    registered = {r.user_id: r for r in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.user_id.in_(wanted)))}
    views = participant_views(event, registered.values(), viewer)
    names = {}
    for user_id, actor in wanted.items():
        registration = registered.get(user_id)
        if registration is None:
            names[user_id] = actor.full_name
        elif registration.id in views:
            names[user_id] = views[registration.id].display_name
    return names


@dataclass(frozen=True)
class SkjPointsView:
    skj_number: str
    last_name: str
    first_name: str


def skj_points_view(registration: Registration, viewer: User) -> SkjPointsView | None:
    """Name and SKJ number for the provider's points entry in Mijn SKJ: only for an
    accredited event, only for the event's organisers and the Region (the registration form
    of an accredited event announces it, whatever the answer to the name question)."""
    event = registration.event
    user = registration.user
    if not event.is_accredited or user is None:
        return None
    if viewer_role(viewer, event) not in (Viewer.REGION, Viewer.ORGANISER):
        return None
    return SkjPointsView(skj_number=registration.skj_number or user.skj_number or "",
                         last_name=user.last_name, first_name=user.first_name)


def may_open_certificate(registration: Registration | None, holder_id: int | None,
                         viewer: User) -> bool:
    """Whether ``viewer`` may open (and manage) a bewijs van deelname: its holder, the
    Region, and an organiser of the event who may see the holder's name."""
    if holder_id is not None and holder_id == viewer.id:
        return True
    if registration is None:
        return False
    view = participant_view(registration, viewer)
    return view is not None and not view.pseudonymous
