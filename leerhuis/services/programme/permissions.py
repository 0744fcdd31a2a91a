"""Who may see, create, edit and run which event.

Rules enforced here:
- an organisator works on events of the organisations it is approved for; the Region
  (regio-beheerder of the event's region) may edit everything;
- only concept and returned events can be edited by the organiser;
- organisers of a region see its approved events of a programme year that is still a draft
  (next year's programme prepared in the autumn); other organisations' concepts stay hidden.
"""

from __future__ import annotations

from leerhuis.models import (
    Event,
    EventStatus,
    Organisation,
    User,
)
from leerhuis.services import membership
from leerhuis.services.programme.public import is_members_only, is_publicly_visible, was_published

EDITABLE_BY_ORGANISER = {EventStatus.CONCEPT}


def is_region_admin_for(user: User, event: Event) -> bool:
    return bool(user.is_authenticated and user.is_region_admin
                and user.region_id == event.region_id)


def is_organiser_of(user: User, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    return any(user.is_organiser_for(org_id) for org_id in event.organisation_ids())


def can_manage(user: User, event: Event) -> bool:
    """Who runs an event: an approved organiser of one of its organisations, and the Region
    it belongs to (participants, attendance, invitations, results, workflow steps)."""
    return is_organiser_of(user, event) or is_region_admin_for(user, event)


def is_organiser_in_region(user: User, region_id: int) -> bool:
    return bool(user.is_authenticated and any(
        o.region_id == region_id for o in user.organiser_of()))


def in_draft_programme(user: User, event: Event) -> bool:
    """Approved events of a year still in preparation: the region's organisers see them
    (not the klankbordgroep meetings, which are for their members)."""
    return (was_published(event) and is_organiser_in_region(user, event.region_id)
            and not is_members_only(event.id))


def attends_meeting(user: User, event: Event) -> bool:
    """A member of the klankbordgroep whose (approved) meeting this is."""
    if not (user.is_authenticated and was_published(event) and is_members_only(event.id)):
        return False
    return membership.may_attend(user, event)


def can_view(user: User, event: Event) -> bool:
    return (is_publicly_visible(event) or can_manage(user, event)
            or in_draft_programme(user, event)
            or attends_meeting(user, event))


def can_edit(user: User, event: Event) -> bool:
    if is_region_admin_for(user, event):
        return event.status is not EventStatus.CANCELLED
    return is_organiser_of(user, event) and event.status in EDITABLE_BY_ORGANISER


def can_create_for(user: User, organisation: Organisation) -> bool:
    if user.is_region_admin and user.region_id == organisation.region_id:
        return True
    return user.is_organiser_for(organisation.id)
