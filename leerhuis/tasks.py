"""The background tasks, registered by name on the queue (leerhuis/queue.py); services ask
for them through ``leerhuis.background.after_commit``. This module sits above the services
(each task imports the service it runs), beside the views.

The consumer runs as ``huey_consumer leerhuis.tasks.huey``. Tests set LEERHUIS_HUEY=memory
and run the tasks themselves (the ``task_queue`` fixture).
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import has_app_context
from huey import crontab

from leerhuis import create_app
from leerhuis.extensions import db, writing
from leerhuis.queue import huey, task
from leerhuis.services import (
    accounts,
    calendar_invites,
    certificates,
    evaluations,
    invitations,
    outbox,
    privacy,
    programme,
    registrations,
)

_worker_app = None


@contextmanager
def app_context():
    """The current app's context, or one of an app created once per worker process. A task
    writes: on SQLite each of its transactions waits for the write lock when it begins."""
    global _worker_app
    if has_app_context():
        with writing():
            yield
        return
    if _worker_app is None:
        _worker_app = create_app()
    with _worker_app.app_context(), writing():
        yield


@task()
def deliver_outbox() -> dict[str, int]:
    with app_context():
        return outbox.deliver_due_messages()


@huey.periodic_task(crontab(minute="*"))
def deliver_outbox_periodically() -> dict[str, int]:
    """Picks up retries whose backoff has passed, and anything a lost kick left behind."""
    with app_context():
        return outbox.deliver_due_messages()


@huey.periodic_task(crontab(minute="7"))
def send_reminders() -> int:
    """Hourly: reminders for activities starting within REMINDER_DAYS_BEFORE days."""
    with app_context():
        count = calendar_invites.send_due_reminders()
        db.session.commit()
        return count


@huey.periodic_task(crontab(minute="*/5"))
def expire_waitlist_offers() -> int:
    """Every five minutes: places offered from the waiting list and not taken in time pass
    to the next in line (commits per event)."""
    with app_context():
        return registrations.expire_offers()


@huey.periodic_task(crontab(minute="15", hour="3"))
def finish_past_events() -> int:
    """Nightly: published activities whose last session has ended become afgerond."""
    with app_context():
        count = programme.finish_past_events()
        db.session.commit()
        return count


@huey.periodic_task(crontab(minute="30", hour="3"))
def apply_retention() -> int:
    """Nightly: anonymise registrations past the retention period (RETENTION_YEARS)."""
    with app_context():
        count = privacy.apply_retention()
        db.session.commit()
        return count


def _account_mail(send, email: str) -> bool:
    with app_context():
        sent = send(email)
        db.session.commit()
        return sent


@task(retries=2, retry_delay=30)
def send_password_reset(email: str) -> bool:
    """Look the address up and queue its reset mail, outside the request: see
    accounts.request_password_reset."""
    return _account_mail(accounts.send_password_reset_mail, email)


@task(retries=2, retry_delay=30)
def send_verification_again(email: str) -> bool:
    """Look the address up and send a new verification link, outside the request: see
    accounts.request_verification_mail."""
    return _account_mail(accounts.send_verification_again, email)


@task(retries=2, retry_delay=30)
def issue_certificates(run_id: int) -> int:
    """Issue an event's certificates in the background; resumes safely after a crash (a run
    another worker holds is left to it)."""
    with app_context():
        run = certificates.process_run(run_id)
        return run.done if run is not None else 0


@huey.periodic_task(crontab(minute="*"))
def resume_stalled_certificate_runs() -> list[int]:
    """Every minute: queue again the runs whose worker died (its lease ran out); the task
    takes a run over only if nobody renewed the lease meanwhile."""
    with app_context():
        run_ids = certificates.stalled_run_ids()
    for run_id in run_ids:
        issue_certificates(run_id)
    return run_ids


@huey.periodic_task(crontab(minute="23"))
def remove_orphan_certificate_files() -> list[str]:
    """Hourly: PDFs a dead worker wrote but never recorded leave the certificate store (and
    so the backups)."""
    with app_context():
        return certificates.remove_orphan_files()


@task(retries=3, retry_delay=30)
def send_invitations(batch_id: int) -> int:
    """Write the personal invitation mails of a batch; resumes without duplicates."""
    with app_context():
        batch = invitations.process_batch(batch_id)
        return batch.total if batch is not None else 0


@huey.periodic_task(crontab(minute="0", hour="9"))
def send_evaluation_invitations() -> int:
    """Daily: the day after an activity, present participants get their evaluation link."""
    with app_context():
        count = evaluations.send_due_invitations()
        db.session.commit()
        return count
