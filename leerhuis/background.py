"""Background work, scheduled by the service that needs it and queued once the transaction
that asked for it commits (as pretix's TransactionAwareTask): a task never runs for data
that was rolled back, nor before the data it reads is visible to the worker."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from leerhuis.extensions import db
from leerhuis.queue import TASKS

_PENDING = "leerhuis_tasks_after_commit"


def after_commit(task_name: str, *args) -> None:
    """Queue the task ``task_name`` (see leerhuis/tasks.py) with ``args`` when the current
    transaction commits; the same task with the same arguments once per transaction."""
    if task_name not in TASKS:
        raise LookupError(f"no background task {task_name!r} (is leerhuis.tasks imported?)")
    pending = db.session.info.setdefault(_PENDING, [])
    if (task_name, args) not in pending:
        pending.append((task_name, args))


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session: Session) -> None:
    for task_name, args in session.info.pop(_PENDING, ()):
        try:
            TASKS[task_name](*args)
        except Exception:
            # The action that asked for it is committed; a queue that is down must not turn
            # it into an error page. Each task's own caller says what is lost (see there).
            logging.getLogger(__name__).warning("task %s not queued", task_name, exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)
