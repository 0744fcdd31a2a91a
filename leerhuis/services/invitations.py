"""Invitations: the Region or an organisator invites doelgroepen, organisations,
organisation types, municipalities or a pasted list of addresses to one event or to a
year's programme.

Rules enforced here:
- an organisator invites only for events of its own organisations; only the Region
  invites to the whole programme;
- only to what people can open: a published event in a published programme year, or a
  published programme year (a draft's link would be a 404 for the invitee);
- recipients are deduplicated case-insensitively; people already registered are skipped;
  people without an account are invited too (the link leads to the event page and sign-up);
- creating a batch only stores it; the worker writes one personal outbox mail per
  recipient in chunks, and running it again adds nothing twice;
- an invitation's status is its mail's (sent, waiting, failed) or 'aangemeld' once that
  person has an active registration for the event;
- addresses of nobody in the region ("outside addresses") are capped per organiser at
  OUTSIDE_INVITATIONS_PER_DAY in any 24 hours, so the portal cannot be used to mail any
  number of strangers; each batch with outside addresses is in the Region's audit log with
  who invited which addresses. The Region itself is not capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from leerhuis import background
from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    ACTIVE_STATUSES,
    BatchStatus,
    Event,
    EventStatus,
    Invitation,
    InvitationBatch,
    Organisation,
    OrganisationType,
    OutboxStatus,
    Region,
    Registration,
    User,
    utcnow,
)
from leerhuis.services import audit, outbox, programme
from leerhuis.services.links import external_url

CHUNK = 100


class InvitationError(DomainError):
    """Nobody can be invited with this choice, or not that many from outside the region."""


@dataclass
class Targets:
    target_group_ids: list[int] = field(default_factory=list)
    organisation_ids: list[int] = field(default_factory=list)
    organisation_types: list[str] = field(default_factory=list)
    municipality_ids: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(self.__dict__.values())


def parse_email_list(text: str) -> tuple[list[str], list[str]]:
    """Addresses from pasted text (comma, semicolon, space or newline separated):
    (valid, invalid)."""
    valid, invalid = [], []
    for raw in text.replace(",", "\n").replace(";", "\n").split():
        candidate = raw.strip().strip("<>").lower()
        if not candidate:
            continue
        try:
            validate_email(candidate, check_deliverability=False)
        except EmailNotValidError:
            invalid.append(raw)
        else:
            valid.append(candidate)
    return valid, invalid


def can_invite(user: User, event: Event | None, region: Region) -> bool:
    if event is None:
        return user.is_region_admin and user.region_id == region.id
    return programme.can_manage(user, event)


def not_invitable_reason(event: Event | None, region: Region,
                         programme_year: int | None) -> str | None:
    """Why nobody can be invited (yet), in Dutch, or None."""
    if event is not None:
        if event.status in (EventStatus.CANCELLED, EventStatus.FINISHED):
            return _("Deze activiteit is geannuleerd of al afgelopen: je kunt er niet meer voor "
                     "uitnodigen.")
        if event.status is not EventStatus.PUBLISHED or not programme.is_released(event):
            return _("Deze activiteit is nog niet gepubliceerd (of het jaarprogramma nog niet). "
                     "Genodigden zouden een pagina krijgen die ze niet kunnen openen. Nodig uit "
                     "zodra de activiteit gepubliceerd is.")
        return None
    if programme_year is not None and not programme.programme_is_published(region.id,
                                                                           programme_year):
        return _("Het jaarprogramma %(year)d is nog niet gepubliceerd. Publiceer het eerst, dan "
                 "kun je ervoor uitnodigen.", year=programme_year)
    return None


def resolve_recipients(region: Region, targets: Targets) -> dict[str, int | None]:
    """E-mail → user id (None for addresses without an account), deduplicated. Groups,
    organisation types and municipalities reach the region's own professionals (verified,
    active); pasted addresses are invited whoever they are."""
    conditions = []
    if targets.target_group_ids:
        conditions.append(User.target_group_id.in_(targets.target_group_ids))
    if targets.organisation_ids:
        conditions.append(User.organisation_id.in_(targets.organisation_ids))
    if targets.organisation_types:
        types = [OrganisationType(t) for t in targets.organisation_types]
        conditions.append(User.organisation_id.in_(
            select(Organisation.id).where(Organisation.type.in_(types))))
    if targets.municipality_ids:
        conditions.append(User.municipality_id.in_(targets.municipality_ids))
    recipients: dict[str, int | None] = {}
    if conditions:
        for user_id, email in db.session.execute(
                select(User.id, User.email).where(or_(*conditions), User.region_id == region.id,
                                                  User.is_active_account,
                                                  User.email_verified_at.is_not(None))):
            recipients[email.lower()] = user_id
    if targets.emails:
        known: dict[str, int] = dict(db.session.execute(
            select(func.lower(User.email), User.id).where(
                func.lower(User.email).in_([e.lower() for e in targets.emails]))).all())
        for email in targets.emails:
            recipients.setdefault(email.lower(), known.get(email.lower()))
    return recipients


def create_batch(*, by: User, region: Region, targets: Targets, event: Event | None = None,
                 programme_year: int | None = None, message: str = "") -> InvitationBatch:
    if not can_invite(by, event, region):
        raise PermissionError
    refusal = not_invitable_reason(event, region, programme_year)
    if refusal:
        raise InvitationError(refusal)
    if targets.is_empty():
        raise InvitationError(_("Kies minstens één groep of vul e-mailadressen in."))
    recipients = resolve_recipients(region, targets)
    if event is not None:
        registered = set(db.session.scalars(select(Registration.user_id).where(
            Registration.event_id == event.id, Registration.status.in_(ACTIVE_STATUSES))))
        recipients = {e: u for e, u in recipients.items() if u is None or u not in registered}
    if not recipients:
        raise InvitationError(_("Er is niemand (meer) om uit te nodigen met deze keuze."))
    outside = outside_addresses(region, recipients)
    if outside and not by.is_region_admin:
        _check_outside_cap(by, len(outside))
    batch = InvitationBatch(region_id=region.id, event_id=event.id if event else None,
                            programme_year=programme_year, targets=targets.__dict__,
                            message=message.strip(), created_by_id=by.id, total=len(recipients))
    db.session.add(batch)
    db.session.flush()
    db.session.add_all([Invitation(batch_id=batch.id, email=email, user_id=user_id)
                        for email, user_id in sorted(recipients.items())])
    db.session.flush()
    if outside:
        audit.record("invitation.outside_addresses", actor=by, region_id=region.id,
                     subject=f"event:{event.id}" if event else f"programme:{programme_year}",
                     batch=batch.id, addresses=outside)
    background.after_commit("send_invitations", batch.id)
    return batch


def outside_addresses(region: Region, recipients: dict[str, int | None]) -> list[str]:
    """The recipients who are nobody in the region: no account, or one of another region."""
    own = set(db.session.scalars(select(User.id).where(
        User.id.in_([user_id for user_id in recipients.values() if user_id is not None]),
        User.region_id == region.id)))
    return sorted(email for email, user_id in recipients.items() if user_id not in own)


def _check_outside_cap(by: User, wanted: int) -> None:
    cap = current_app.config["OUTSIDE_INVITATIONS_PER_DAY"]
    used = db.session.scalar(
        select(func.count()).select_from(Invitation)
        .join(InvitationBatch, InvitationBatch.id == Invitation.batch_id)
        .outerjoin(User, User.id == Invitation.user_id)
        .where(InvitationBatch.created_by_id == by.id,
               InvitationBatch.created_at >= utcnow() - timedelta(days=1),
               or_(Invitation.user_id.is_(None), User.region_id != InvitationBatch.region_id)))
    left = max(cap - (used or 0), 0)
    if wanted > left:
        raise InvitationError(errors={"emails": ngettext(
            "Je kunt vandaag nog %(num)d adres van buiten de regio uitnodigen (ten hoogste "
            "%(cap)d per dag); je gaf er %(wanted)d op. Nodig de rest morgen uit, of vraag "
            "de regio.",
            "Je kunt vandaag nog %(num)d adressen van buiten de regio uitnodigen (ten hoogste "
            "%(cap)d per dag); je gaf er %(wanted)d op. Nodig de rest morgen uit, of vraag "
            "de regio.", left, cap=cap, wanted=wanted)})


def process_batch(batch_id: int) -> InvitationBatch | None:
    """The worker: one outbox mail per invitation that has none yet, committed per chunk."""
    batch = db.session.get(InvitationBatch, batch_id)
    if batch is None:
        return None
    batch.status = BatchStatus.RUNNING
    db.session.commit()
    link = (external_url("programme.event_page", event_id=batch.event_id) if batch.event_id
            else external_url("programme.programme_list",
                              region_slug=db.session.get_one(Region, batch.region_id).slug,
                              year=batch.programme_year))
    sign_up = external_url("auth.sign_up")
    while True:
        pending = db.session.scalars(select(Invitation).where(
            Invitation.batch_id == batch.id, Invitation.outbox_message_id.is_(None))
            .order_by(Invitation.id).limit(CHUNK)).all()
        if not pending:
            break
        for invitation in pending:
            user = invitation.user
            subject = (_l("Uitnodiging: %(title)s", title=batch.event.title) if batch.event
                       else _l("Uitnodiging: jaarprogramma %(year)s", year=batch.programme_year))
            row = outbox.queue_template_mail(
                "invitation", to=invitation.email, user=user, kind="invitation",
                subject=subject, batch=batch, event=batch.event, link=link,
                sign_up_link=sign_up, name=user.first_name if user else None)
            db.session.flush()
            invitation.outbox_message_id = row.id
        db.session.commit()
    batch.status = BatchStatus.DONE
    batch.finished_at = utcnow()
    db.session.commit()
    return batch


def progress(batch: InvitationBatch) -> dict:
    rows = db.session.execute(
        select(Invitation, Registration.status)
        .outerjoin(Registration, (Registration.event_id == batch.event_id)
                   & (Registration.user_id == Invitation.user_id)
                   & Registration.status.in_(ACTIVE_STATUSES))
        .where(Invitation.batch_id == batch.id).order_by(Invitation.email)).all()
    items, counts = [], {"verzonden": 0, "wachtend": 0, "mislukt": 0, "aangemeld": 0}
    for invitation, registration_status in rows:
        message = invitation.outbox_message
        if registration_status is not None:
            status = "aangemeld"
        elif message is None or message.status is OutboxStatus.PENDING:
            status = "wachtend"
        elif message.status is OutboxStatus.SENT:
            status = "verzonden"
        else:
            status = "mislukt"
        counts[status] += 1
        items.append((invitation, status))
    prepared = sum(1 for invitation, _ in rows if invitation.outbox_message_id is not None)
    return {"items": items, "counts": counts, "prepared": prepared, "total": batch.total}
