"""Bulk runs: an event's certificates issued in the background, in batches, by one worker
at a time.

Rules enforced here:
- a run starts once the event's attendance is closed, one run at a time per event;
- a worker holds the run by a lease it renews with every batch; a run whose worker is gone
  is taken over, and nothing is ever issued twice (only registrations without a valid
  certificate are picked, checked again just before each batch is recorded);
- a failed run is marked FAILED, even when the database is busy.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import OperationalError

from leerhuis import background
from leerhuis.extensions import db
from leerhuis.models import (
    Certificate,
    CertificateRun,
    Event,
    Registration,
    RunStatus,
    User,
    utcnow,
)
from leerhuis.services import pdf
from leerhuis.services.certificates.eligibility import eligible_registrations
from leerhuis.services.certificates.issuing import (
    Batch,
    CertificateError,
    record_batch,
    start_batch,
)


def start_run(event: Event, *, by: User) -> CertificateRun:
    """Issue the event's certificates in the background, once its attendance is closed: one
    run at a time per event (starting again hands the worker the run under way), queued for
    the worker when the transaction commits."""
    if event.attendance_closed_at is None:
        raise CertificateError(
            _("Sluit eerst de presentie af; daarna kun je de bewijzen uitgeven."))
    run = db.session.scalars(select(CertificateRun).where(
        CertificateRun.event_id == event.id,
        CertificateRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))).first()
    if run is None:
        run = CertificateRun(event_id=event.id, started_by_id=by.id,
                             total=len(eligible_registrations(event)))
        db.session.add(run)
        db.session.flush()
    background.after_commit("issue_certificates", run.id)
    return run


# A worker renews its lease with every batch (a batch takes seconds); a run whose heartbeat
# is older than this lost its worker. Generous: a run taken over while its worker is alive
# but slow only wastes that worker's current batch, never issues twice.
def run_lease() -> timedelta:
    return timedelta(seconds=current_app.config["CERTIFICATE_RUN_LEASE_SECONDS"])


FAILURE_RECORD_ATTEMPTS = 5


class LeaseLost(Exception):
    """Another worker took the run over: this one stops without recording anything."""


def claim_run(run_id: int, now: datetime | None = None) -> str | None:
    """Take the run over, unless a worker holds it: only a run that is new, failed, or whose
    heartbeat is older than the run lease. One conditional UPDATE, so of two workers that try at
    once exactly one gets it. Returns the new lease token, or None."""
    now = now or utcnow()
    lease = secrets.token_hex(16)
    # DML through Session.execute returns a CursorResult; the Result type has no rowcount.
    claimed = cast(CursorResult[Any], db.session.execute(
        update(CertificateRun)
        .where(CertificateRun.id == run_id, CertificateRun.status != RunStatus.DONE,
               or_(CertificateRun.heartbeat_at.is_(None),
                   CertificateRun.heartbeat_at < now - run_lease()))
        .values(status=RunStatus.RUNNING, heartbeat_at=now, lease_token=lease)
        .execution_options(synchronize_session=False))).rowcount == 1
    db.session.commit()
    return lease if claimed else None


def _renew_lease(run_id: int, lease: str) -> None:
    """Renew the heartbeat, in the transaction that records the batch: if another worker
    took the run over meanwhile, nothing of this batch is recorded."""
    # DML through Session.execute returns a CursorResult; the Result type has no rowcount.
    renewed = cast(CursorResult[Any], db.session.execute(
        update(CertificateRun)
        .where(CertificateRun.id == run_id, CertificateRun.lease_token == lease)
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False))).rowcount == 1
    if not renewed:
        raise LeaseLost(run_id)


def stalled_run_ids(now: datetime | None = None) -> list[int]:
    """Runs that should be running but whose worker is gone: queued or running, and no
    heartbeat (or, never started, no creation) within the run lease."""
    cutoff = (now or utcnow()) - run_lease()
    return list(db.session.scalars(select(CertificateRun.id).where(
        CertificateRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        func.coalesce(CertificateRun.heartbeat_at, CertificateRun.created_at) < cutoff)
        .order_by(CertificateRun.id)))


def process_run(run_id: int) -> CertificateRun | None:
    """The worker's part: take the run's lease, then issue in batches, committing each with a
    new heartbeat, until nobody is left. While a batch is recorded the layout processes
    already render the next one; they end with the run. A run another worker holds is left
    alone. Safe to run again after a crash: it only picks registrations without a valid
    certificate."""
    run = db.session.get(CertificateRun, run_id)
    if run is None or run.status is RunStatus.DONE:
        return run
    lease = claim_run(run_id)
    if lease is None:
        return run
    by = db.session.get(User, run.started_by_id) if run.started_by_id else None
    session = db.session()
    # The next batch is prepared from objects loaded before this batch's commit; keep them
    # as read (the PDFs being rendered show exactly that) instead of reloading each one.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        with pdf.layout_processes(current_app.config["PDF_WORKERS"]):
            started = (start_batch(batch, skip_unentitled=True)
                       for batch in _batches(eligible_registrations(run.event),
                                             current_app.config["CERTIFICATE_BATCH_SIZE"]))
            pending = next(started, None)
            while pending is not None:
                upcoming = next(started, None)  # rendering starts now, recording next round
                # End the transaction before waiting for the layout processes: on SQLite it
                # holds the database's one write lock, which the web must not wait for.
                db.session.commit()
                pending.documents()  # wait for the PDFs first: then check who is still due one
                _renew_lease(run_id, lease)
                record_batch(_still_due(pending, run.event), by=by, run=run)
                run.done = db.session.scalar(select(func.count()).select_from(Certificate)
                                             .where(Certificate.run_id == run.id)) or 0
                run.total = max(run.total, run.done)
                db.session.commit()
                pending = upcoming
        _renew_lease(run_id, lease)
        run.status = RunStatus.DONE
        run.finished_at = utcnow()
        run.total = run.done
        run.lease_token = None
        db.session.commit()
    except LeaseLost:
        db.session.rollback()
        return db.session.get(CertificateRun, run_id)
    except Exception as exc:
        db.session.rollback()
        _record_failure(run_id, lease, exc)
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    return run


def _record_failure(run_id: int, lease: str, exc: Exception) -> None:
    """Mark the run FAILED in a transaction of its own, after the failed one was rolled
    back. The failure may be the database being busy (SQLite: "database is locked" while
    another run writes), so a busy database is tried again a few times. The lease is
    released: a retry of the task takes the run over at once."""
    for attempt in range(FAILURE_RECORD_ATTEMPTS):
        try:
            db.session.execute(
                update(CertificateRun)
                .where(CertificateRun.id == run_id, CertificateRun.lease_token == lease)
                .values(status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
                        heartbeat_at=None, lease_token=None)
                .execution_options(synchronize_session=False))
            db.session.commit()
        except OperationalError:
            db.session.rollback()
            time.sleep(0.2 * 2 ** attempt)
        else:
            db.session.expire_all()
            return
    logging.getLogger(__name__).error("certificate run %s failed and its status could not be "
                                      "recorded", run_id, exc_info=exc)


def _batches(queue: list[Registration], batch_size: int) -> list[list[Registration]]:
    """batch_size at a time, but a third of that first and last: the layout processes start
    sooner, and the last batch, which no rendering overlaps, is recorded sooner. (A third of
    50, the default CERTIFICATE_BATCH_SIZE, is still enough pages to split between two
    layout processes.)"""
    edge = max(1, batch_size // 3)
    if len(queue) <= 2 * edge + batch_size:
        return [queue[i:i + batch_size] for i in range(0, len(queue), batch_size)]
    middle = queue[edge:-edge]
    size = math.ceil(len(middle) / math.ceil(len(middle) / batch_size))  # even, ≤ batch_size
    return [queue[:edge], *(middle[i:i + size] for i in range(0, len(middle), size)),
            queue[-edge:]]


def _still_due(batch: Batch, event: Event) -> Batch:
    """Leave out whoever is no longer due a certificate since the run started (one issued
    alone meanwhile, a registration cancelled, a discussion now on the werkbezoek's
    certificate); their rendered PDFs are dropped. Checked just before the INSERTs."""
    if not batch.prepared:
        return batch
    due = {registration.id for registration in eligible_registrations(
        event, among=[item.registration.id for item in batch.prepared])}
    keep = [i for i, item in enumerate(batch.prepared) if item.registration.id in due]
    if len(keep) == len(batch.prepared):
        return batch

    def kept_documents() -> list[bytes]:
        documents = batch.documents()
        return [documents[i] for i in keep]

    return Batch([batch.prepared[i] for i in keep], batch.issued_at, kept_documents)
