"""Moving events through the organiser-to-Region workflow, and publishing a year.

Rules enforced here:
- states go concept → ingediend → gepubliceerd → afgerond, or geannuleerd (cancelling is
  editing.apply_cancel); the Region approves or returns a submitted event, and the
  organisers hear of it;
- the Region publishes a programme year in one step: its approved events become public.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Event,
    EventStatus,
    OrganiserRole,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    User,
    utcnow,
)
from leerhuis.services import audit, outbox
from leerhuis.services.links import external_url
from leerhuis.services.programme.errors import ProgrammeError
from leerhuis.services.programme.permissions import can_manage, is_region_admin_for


def submit(event: Event, *, by: User) -> None:
    if not can_manage(by, event):
        raise ProgrammeError(_("Je kunt deze activiteit niet indienen."))
    if event.status is not EventStatus.CONCEPT:
        raise ProgrammeError(_("Alleen een concept kan worden ingediend."))
    event.status = EventStatus.SUBMITTED
    event.submitted_at = utcnow()
    event.return_reason = ""
    audit.record("event.submitted", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id)


def publish(event: Event, *, by: User) -> None:
    """The Region approves an event. It becomes public once its programme year is published."""
    if not is_region_admin_for(by, event):
        raise ProgrammeError(_("Alleen de regio kan activiteiten publiceren."))
    if event.status not in (EventStatus.SUBMITTED, EventStatus.CONCEPT):
        raise ProgrammeError(_("Deze activiteit kan niet gepubliceerd worden."))
    event.status = EventStatus.PUBLISHED
    event.published_at = utcnow()
    event.privacy_review_needed = False
    audit.record("event.published", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id)
    _notify_organisers(event, "event_published", _l("Je activiteit is goedgekeurd"))


def return_to_organiser(event: Event, *, by: User, reason: str) -> None:
    if not is_region_admin_for(by, event):
        raise ProgrammeError(_("Alleen de regio kan activiteiten terugsturen."))
    if not reason.strip():
        raise ProgrammeError(errors={"reason": _("Geef een reden, zodat de organisator weet wat er "
                                        "moet veranderen.")})
    if event.status is not EventStatus.SUBMITTED:
        raise ProgrammeError(_("Alleen een ingediende activiteit kan worden teruggestuurd."))
    event.status = EventStatus.CONCEPT
    event.return_reason = reason.strip()
    audit.record("event.returned", actor=by, subject=f"event:{event.id}",
                 region_id=event.region_id, reason=reason.strip())
    _notify_organisers(event, "event_returned", _l("Je activiteit is teruggestuurd"),
                       reason=reason.strip())


def finish_past_events(now: datetime | None = None) -> int:
    """Mark published events whose last session has ended as afgerond."""
    now = now or utcnow()
    count = 0
    for event in db.session.scalars(select(Event).where(Event.status == EventStatus.PUBLISHED)):
        if event.ends_at and event.ends_at < now:
            event.status = EventStatus.FINISHED
            count += 1
    return count


def publish_programme_year(region: Region, year: int, *, by: User) -> ProgrammeYear:
    """Publish a year's programme in one step: every approved event of it becomes public."""
    if not (by.is_region_admin and by.region_id == region.id):
        raise ProgrammeError(_("Alleen de regio kan het jaarprogramma publiceren."))
    programme = get_programme_year(region, year, create=True)
    assert programme is not None  # create=True makes the year when missing
    programme.status = ProgrammeStatus.PUBLISHED
    programme.published_at = utcnow()
    programme.published_by_id = by.id
    audit.record("programme.published", actor=by, subject=f"programme:{region.slug}:{year}")
    return programme


def get_programme_year(region: Region, year: int, *, create: bool = False) -> ProgrammeYear | None:
    programme = db.session.scalars(select(ProgrammeYear).where(
        ProgrammeYear.region_id == region.id, ProgrammeYear.year == year)).first()
    if programme is None and create:
        programme = ProgrammeYear(region_id=region.id, year=year)
        db.session.add(programme)
        db.session.flush()
    return programme


def review_queue(region: Region) -> list[Event]:
    return list(db.session.scalars(
        select(Event).where(Event.region_id == region.id, Event.status == EventStatus.SUBMITTED)
        .order_by(Event.submitted_at)))


def _notify_organisers(event: Event, template: str, subject, **extra):
    recipients = {}
    if event.created_by is not None:
        recipients[event.created_by.email] = event.created_by
    for user in organisers_of(event.organisation_id):
        recipients.setdefault(user.email, user)
    for user in recipients.values():
        outbox.queue_template_mail(
            template, to=user.email, user=user,
            subject=f"{outbox.in_language_of(user, subject)}: {event.title}",
            event=event, link=external_url("programme.event_page", event_id=event.id), **extra)


def organisers_of(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(OrganiserRole, OrganiserRole.user_id == User.id)
        .where(OrganiserRole.organisation_id == organisation_id,
               OrganiserRole.status == ApprovalStatus.APPROVED)))
