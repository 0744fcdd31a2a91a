"""Klankbordgroepen: membership, meetings (as klankbordgroep events), documents, minutes
and action items.

Rules enforced here:
- only members of a group and the Region see its pages, documents and meetings (a meeting
  is never in the public programme: services/programme.public_clause);
- the Region invites and removes members and plans meetings; the chair and the Region
  keep agenda, minutes, decisions and action items;
- documents are PDF, DOCX or XLSX, checked by content (not only by name), at most 10 MB,
  stored outside the static folder under a random name and served only to members.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.formatting import AMSTERDAM
from leerhuis.models import (
    ActionItem,
    ActionStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    GroupType,
    KlankbordGroup,
    KlankbordMeeting,
    KlankbordMember,
    MeetingAgendaItem,
    MeetingDocument,
    Organisation,
    OrganisationType,
    ProgrammeStatus,
    ProgrammeYear,
    User,
    utcnow,
)
from leerhuis.services import audit, invitations, membership

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class KlankbordError(DomainError):
    """A rule of the klankbordgroep was broken."""


# Membership is asked below this module too (the programme, registrations): it lives there.
is_region_admin_for = membership.is_region_admin_for
is_member = membership.is_member
can_view = membership.can_view
may_attend = membership.may_attend


def is_any_member(user: User) -> bool:
    """Partners: members of any klankbordgroep of their region see the uitvoeringsagenda;
    writing a contribution also takes an approved organiser role (services/agenda.py)."""
    return user.is_authenticated and db.session.scalar(select(KlankbordMember.id).where(
        KlankbordMember.user_id == user.id).limit(1)) is not None


def can_keep_minutes(user: User, group: KlankbordGroup) -> bool:
    return is_region_admin_for(user, group) or (user.is_authenticated and group.chair_id == user.id)


def groups_for(user: User) -> list[KlankbordGroup]:
    stmt = select(KlankbordGroup).order_by(KlankbordGroup.name)
    if user.is_region_admin:
        stmt = stmt.where(KlankbordGroup.region_id == user.region_id)
    else:
        stmt = stmt.join(KlankbordMember).where(KlankbordMember.user_id == user.id)
    return list(db.session.scalars(stmt))


def save_group(region_id: int, *, name: str, type: GroupType, chair: User | None,
               meetings_per_year: int, description: str, by: User,
               group: KlankbordGroup | None = None) -> KlankbordGroup:
    """The Region sets up a group (or changes one): the chair must belong to the region."""
    if chair is not None and chair.region_id != region_id:
        raise KlankbordError(_("De voorzitter moet een account in deze regio hebben."),
                             field="chair_email")
    if not 1 <= meetings_per_year <= 12:
        raise KlankbordError(_("Kies 1 tot 12 bijeenkomsten per jaar."), field="meetings_per_year")
    creating = group is None
    group = group or KlankbordGroup(region_id=region_id)
    group.name = name.strip()
    group.type = type
    group.chair = chair
    group.meetings_per_year = meetings_per_year
    group.description = description.strip()
    db.session.add(group)
    db.session.flush()
    if chair is not None and not is_member(chair, group):
        db.session.add(KlankbordMember(group_id=group.id, user_id=chair.id,
                                       organisation_id=chair.organisation_id))
    audit.record("klankbord.group_created" if creating else "klankbord.group_changed", actor=by,
                 subject=f"group:{group.id}")
    return group


def add_member(group: KlankbordGroup, user: User, *, by: User) -> KlankbordMember:
    if is_member(user, group):
        raise KlankbordError(_("Deze persoon is al lid."), field="email")
    member = KlankbordMember(group_id=group.id, user_id=user.id,
                             organisation_id=user.organisation_id)
    db.session.add(member)
    audit.record("klankbord.member_added", actor=by, subject=f"group:{group.id}", user_id=user.id)
    return member


def remove_member(member: KlankbordMember, *, by: User) -> None:
    audit.record("klankbord.member_removed", actor=by, subject=f"group:{member.group_id}",
                 user_id=member.user_id)
    db.session.delete(member)


def plan_meeting(group: KlankbordGroup, *, day: date, start: time, end: time, place: str,
                 by: User, title: str = "") -> KlankbordMeeting:
    """A meeting is a published klankbordgroep event of the Region (no certificate)."""
    starts = datetime.combine(day, start, AMSTERDAM)
    ends = datetime.combine(day, end, AMSTERDAM)
    if ends <= starts:
        raise KlankbordError(_("De eindtijd ligt vóór de begintijd."), field="end")
    event_type = db.session.scalars(
        select(EventType).where(EventType.code == "klankbordgroep")).one()
    # The Region organises its klankbordgroep meetings.
    organisation_id = db.session.scalar(select(Organisation.id).where(
        Organisation.region_id == group.region_id, Organisation.type == OrganisationType.REGIO)
        .order_by(Organisation.id).limit(1)) or by.organisation_id
    if organisation_id is None:
        raise KlankbordError(_("Leg eerst de organisatie van de regio vast."))
    event = Event(region_id=group.region_id, type=event_type, organisation_id=organisation_id,
                  programme_year=day.year, status=EventStatus.PUBLISHED,
                  title=title or (f"{group.name}: bijeenkomst "
                                  f"{format_date(day, 'MMMM y', locale='nl')}"),
                  address=place, city=place.split(",")[-1].strip() if place else "",
                  venue_name=place, issues_certificate=False, published_at=utcnow(),
                  created_by_id=by.id)
    hours = Decimal((ends - starts).total_seconds() / 3600).quantize(Decimal("0.25"))
    event.sessions = [EventSession(starts_at=starts, ends_at=ends, net_hours=hours)]
    db.session.add(event)
    if db.session.scalar(select(ProgrammeYear.id).where(
            ProgrammeYear.region_id == group.region_id, ProgrammeYear.year == day.year)) is None:
        db.session.add(ProgrammeYear(region_id=group.region_id, year=day.year,
                                     status=ProgrammeStatus.DRAFT))
    meeting = KlankbordMeeting(group=group, event=event)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def invite_members(meeting: KlankbordMeeting, *, by: User):
    """One personal invitation (with the calendar invitation on registering) to every member
    not yet registered, through the ordinary invitation batch."""
    emails = sorted({m.user.email for m in meeting.group.members if m.user.is_active_account})
    return invitations.create_batch(by=by, region=meeting.event.region,
                                    targets=invitations.Targets(emails=emails), event=meeting.event)


def keep_minutes(meeting: KlankbordMeeting, *, minutes: str, decisions: str) -> None:
    meeting.minutes = minutes
    meeting.decisions = decisions


def add_agenda_item(meeting: KlankbordMeeting, title: str) -> MeetingAgendaItem:
    position = len(meeting.agenda_items) + 1
    item = MeetingAgendaItem(meeting_id=meeting.id, position=position, title=title.strip())
    meeting.agenda_items.append(item)
    return item


def add_action_item(meeting: KlankbordMeeting, title: str, owner: str,
                    due: date | None) -> ActionItem:
    item = ActionItem(meeting_id=meeting.id, title=title.strip(), owner=owner.strip(), due_date=due)
    meeting.action_items.append(item)
    return item


def set_action_status(item: ActionItem, status: ActionStatus) -> None:
    item.status = status


def _content_matches(extension: str, content: bytes) -> bool:
    if extension == ".pdf":
        return content.startswith(b"%PDF-")
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    except zipfile.BadZipFile:
        return False
    folder = "word/" if extension == ".docx" else "xl/"
    return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def store_document(meeting: KlankbordMeeting, filename: str, content: bytes, *,
                   by: User) -> MeetingDocument:
    extension = Path(filename).suffix.lower()
    if extension not in DOCUMENT_TYPES:
        raise KlankbordError(
            _("Alleen PDF-, Word- (DOCX) en Excel-bestanden (XLSX) zijn toegestaan."),
            field="document")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise KlankbordError(_("Het bestand is groter dan 10 MB."), field="document")
    if not _content_matches(extension, content):
        raise KlankbordError(_("De inhoud van het bestand past niet bij de naam. Upload een echt "
                             "PDF-, DOCX- of XLSX-bestand."), field="document")
    stored_name = f"{secrets.token_hex(16)}{extension}"
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored_name).write_bytes(content)
    document = MeetingDocument(meeting_id=meeting.id, original_name=Path(filename).name[:200],
                               stored_name=stored_name, content_type=DOCUMENT_TYPES[extension],
                               size=len(content), uploaded_by_id=by.id)
    meeting.documents.append(document)
    return document


def document_path(document: MeetingDocument) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / document.stored_name
