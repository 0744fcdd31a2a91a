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

from leerhuis.extensions import writing
from leerhuis.queue import huey, task

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
        from leerhuis import create_app

        _worker_app = create_app()
    with _worker_app.app_context(), writing():
        yield


@task()
def deliver_outbox() -> dict[str, int]:
    from leerhuis.services.outbox import deliver_due_messages

    with app_context():
        return deliver_due_messages()


@huey.periodic_task(crontab(minute="*"))
def deliver_outbox_periodically() -> dict[str, int]:
    """Picks up retries whose backoff has passed, and anything a lost kick left behind."""
    from leerhuis.services.outbox import deliver_due_messages

    with app_context():
        return deliver_due_messages()


@huey.periodic_task(crontab(minute="7"))
def send_reminders() -> int:
    """Hourly: reminders for activities starting within REMINDER_DAYS_BEFORE days."""
    from leerhuis.extensions import db
    from leerhuis.services.calendar_invites import send_due_reminders

    with app_context():
        count = send_due_reminders()
        db.session.commit()
        return count


@huey.periodic_task(crontab(minute="*/5"))
def expire_waitlist_offers() -> int:
    """Every five minutes: places offered from the waiting list and not taken in time pass
    to the next in line (commits per event)."""
    from leerhuis.services.registrations import expire_offers

    with app_context():
        return expire_offers()


@huey.periodic_task(crontab(minute="15", hour="3"))
def finish_past_events() -> int:
    """Nightly: published activities whose last session has ended become afgerond."""
    from leerhuis.extensions import db
    from leerhuis.services.programme import finish_past_events as finish

    with app_context():
        count = finish()
        db.session.commit()
        return count


@huey.periodic_task(crontab(minute="30", hour="3"))
def apply_retention() -> int:
    """Nightly: anonymise registrations past the retention period (RETENTION_YEARS)."""
    from leerhuis.extensions import db
    from leerhuis.services.privacy import apply_retention as run

    with app_context():
        count = run()
        db.session.commit()
        return count


@task(retries=2, retry_delay=30)
def send_password_reset(email: str) -> bool:
    """Look the address up and queue its reset mail, outside the request: see
    accounts.request_password_reset."""
    from leerhuis.extensions import db
    from leerhuis.services.accounts import send_password_reset_mail

    with app_context():
        sent = send_password_reset_mail(email)
        db.session.commit()
        return sent


@task(retries=2, retry_delay=30)
def send_verification_again(email: str) -> bool:
    """Look the address up and send a new verification link, outside the request: see
    accounts.request_verification_mail."""
    from leerhuis.extensions import db
    from leerhuis.services.accounts import send_verification_again as send

    with app_context():
        sent = send(email)
        db.session.commit()
        return sent


@task(retries=2, retry_delay=30)
def issue_certificates(run_id: int) -> int:
    """Issue an event's certificates in the background; resumes safely after a crash (a run
    another worker holds is left to it)."""
    from leerhuis.services.certificates import process_run

    with app_context():
        run = process_run(run_id)
        return run.done if run is not None else 0


@huey.periodic_task(crontab(minute="*"))
def resume_stalled_certificate_runs() -> list[int]:
    """Every minute: queue again the runs whose worker died (its lease ran out); the task
    takes a run over only if nobody renewed the lease meanwhile."""
    from leerhuis.services.certificates import stalled_run_ids

    with app_context():
        run_ids = stalled_run_ids()
    for run_id in run_ids:
        issue_certificates(run_id)
    return run_ids


@huey.periodic_task(crontab(minute="23"))
def remove_orphan_certificate_files() -> list[str]:
    """Hourly: PDFs a dead worker wrote but never recorded leave the certificate store (and
    so the backups)."""
    from leerhuis.services.certificates import remove_orphan_files

    with app_context():
        return remove_orphan_files()


@task(retries=3, retry_delay=30)
def send_invitations(batch_id: int) -> int:
    """Write the personal invitation mails of a batch; resumes without duplicates."""
    from leerhuis.services.invitations import process_batch

    with app_context():
        batch = process_batch(batch_id)
        return batch.total if batch is not None else 0


@huey.periodic_task(crontab(minute="0", hour="9"))
def send_evaluation_invitations() -> int:
    """Daily: the day after an activity, present participants get their evaluation link."""
    from leerhuis.extensions import db
    from leerhuis.services.evaluations import send_due_invitations

    with app_context():
        count = send_due_invitations()
        db.session.commit()
        return count
