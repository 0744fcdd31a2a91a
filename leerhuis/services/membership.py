"""Who belongs to a klankbordgroep: its members, and its Region's admins who run it.

Asked by the programme (who sees a members-only meeting), by registrations (who may attend
it) and by the klankbordgroep pages; it sits below all three and asks nothing of them.
"""

from __future__ import annotations

from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import Event, KlankbordGroup, KlankbordMeeting, KlankbordMember, User


def is_region_admin_for(user: User, group: KlankbordGroup) -> bool:
    return bool(user.is_authenticated and user.is_region_admin
                and user.region_id == group.region_id)


def is_member(user: User, group: KlankbordGroup) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.scalar(select(KlankbordMember.id).where(
        KlankbordMember.group_id == group.id, KlankbordMember.user_id == user.id)) is not None


def can_view(user: User, group: KlankbordGroup) -> bool:
    return is_region_admin_for(user, group) or is_member(user, group)


def may_attend(user: User, event: Event) -> bool:
    """A meeting of a klankbordgroep is for its members (and the Region); other events are
    not restricted here."""
    group = db.session.scalars(select(KlankbordGroup).join(KlankbordMeeting).where(
        KlankbordMeeting.event_id == event.id)).first()
    return group is None or can_view(user, group)
