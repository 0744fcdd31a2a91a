"""One counter for the data the public pages show (events, sessions, registrations, the
programme years, filter lists). It is raised in the same transaction as any change to them,
so a page cache keyed by it is valid on every app server that reads it from the database."""

from __future__ import annotations

from sqlalchemy import BigInteger, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from leerhuis.extensions import Model

# Tables whose rows appear on the cached parts of the programme and event pages. Changes
# elsewhere (users, mail, audit) leave the pages alone and do not invalidate them.
WATCHED_TABLES = frozenset({
    "event", "event_session", "event_theme", "event_target_group", "event_co_organiser",
    "event_type", "theme", "target_group", "registration", "programme_year", "organisation",
    "region", "municipality", "klankbord_meeting",
})

_FLAG = "leerhuis_bump_data_version"


class DataVersion(Model):
    """A single row (id 1)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


def _touches_watched(instances) -> bool:
    return any(getattr(type(obj), "__tablename__", None) in WATCHED_TABLES for obj in instances)


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, _context) -> None:
    # Association rows (event_theme …) change through their Event, which is dirty then.
    if (_touches_watched(session.new) or _touches_watched(session.deleted)
            or _touches_watched(obj for obj in session.dirty if session.is_modified(obj))):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    """``session.execute(update(Registration)…)`` bypasses the flush."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Last statement of the transaction: every writer takes this row lock after its other
    # locks and holds it only until its commit, so no lock cycles and short waits.
    session.flush()
    if session.info.pop(_FLAG, False):
        session.execute(update(DataVersion).where(DataVersion.id == 1)
                        .values(version=DataVersion.version + 1))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
