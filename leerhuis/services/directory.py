"""Lookups of regions, municipalities and organisations for forms and pages."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import ApprovalStatus, Municipality, Organisation, Region, TargetGroup


def default_region() -> Region:
    """The region shown to visitors: DEFAULT_REGION (a slug) or the first one created."""
    slug = current_app.config.get("DEFAULT_REGION")
    if slug:
        region = db.session.scalars(select(Region).where(Region.slug == slug)).first()
        if region is None:
            # A typo in the setting must not silently show another region's programme.
            raise LookupError(f"DEFAULT_REGION={slug!r}: er is geen regio met deze slug.")
        return region
    region = db.session.scalars(select(Region).order_by(Region.id)).first()
    if region is None:
        raise LookupError("Er is nog geen regio ingericht: draai `flask --app leerhuis seed-demo`.")
    return region


def municipality_choices() -> list[tuple[int | None, str] | tuple[int, str, str]]:
    """(id, name, region) under an empty choice: value, label and the region's optgroup."""
    rows = db.session.execute(
        select(Municipality.id, Municipality.name, Region.name)
        .join(Region, Municipality.region_id == Region.id)
        .order_by(Region.id, Municipality.name)
    ).all()
    return [(None, "—"), *((mid, name, region) for mid, name, region in rows)]


def target_group_choices() -> list[tuple[int | None, str]]:
    rows = db.session.execute(select(TargetGroup.id, TargetGroup.name)
                              .order_by(TargetGroup.name)).all()
    return [(None, "—")] + [(gid, name) for gid, name in rows]


def organisation_choices(*, approved_only: bool = True) -> list[tuple[int | None, str]]:
    stmt = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if approved_only:
        stmt = stmt.where(Organisation.status == ApprovalStatus.APPROVED)
    return [(None, "—")] + [(oid, name) for oid, name in db.session.execute(stmt).all()]


def region_for(municipality_id: int | None, organisation_id: int | None) -> Region:
    """A new user's region follows their municipality, else their organisation."""
    if municipality_id:
        municipality = db.session.get(Municipality, municipality_id)
        if municipality is not None:
            return municipality.region
    if organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is not None:
            return organisation.region
    return default_region()
