"""Commands: flask --app leerhuis <command>."""

from __future__ import annotations

import functools
import secrets
import time

import click
from flask import Flask
from sqlalchemy import select

from leerhuis.extensions import db, writing
from leerhuis.models import Region, User, utcnow
from leerhuis.services import accounts, directory
from leerhuis.services.backup import BackupError, create_backup, restore_backup
from leerhuis.services.certificates import process_run
from leerhuis.services.outbox import deliver_due_messages


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(deliver_mail)
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_large)
    app.cli.add_command(issue_certificates)
    app.cli.add_command(backup)
    app.cli.add_command(restore)


def writes(command):
    """A command writes beside a running portal: on SQLite each of its transactions waits
    for the write lock when it begins, as the worker's do."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with writing():
            return command(*args, **kwargs)

    return run


@click.command("seed-demo")
@writes
def seed_demo() -> None:
    """Load the demo regions, organisations, professionals and programme (idempotent)."""
    # Here, not at the top: leerhuis.demo needs the optional [demo] extra (Faker), and the
    # portal starts without it.
    from leerhuis.demo.seed import seed_demo as run  # noqa: PLC0415 - the [demo] extra

    summary = run()
    db.session.commit()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@click.command("deliver-mail")
@writes
def deliver_mail() -> None:
    """Deliver the mail outbox once (the worker does this continuously)."""
    click.echo(deliver_due_messages(limit=10_000))


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--first-name", default="Regio")
@click.option("--last-name", default="Beheerder")
@click.option("--region", "region_slug", default=None, help="slug of the region")
@click.password_option()
@writes
def create_admin(email: str, first_name: str, last_name: str, region_slug: str | None,
                 password: str) -> None:
    """Create a verified regio-beheerder (the first account of a fresh installation)."""
    region = (db.session.scalars(select(Region).where(Region.slug == region_slug)).first()
              if region_slug else directory.default_region())
    if region is None:
        raise click.ClickException(f"Onbekende regio: {region_slug}")
    if accounts.find_user_by_email(email) is not None:
        raise click.ClickException("Er bestaat al een account met dit e-mailadres.")
    db.session.add(User(
        email=email, password_hash=accounts.hash_password(password), first_name=first_name,
        last_name=last_name, region_id=region.id, is_region_admin=True,
        email_verified_at=utcnow(), session_nonce=secrets.token_hex(8),
    ))
    db.session.commit()
    click.echo(f"Regio-beheerder {email} aangemaakt voor {region.name}.")


@click.command("seed-large")
@click.option("--scale", default=1.0, show_default=True, help="fraction of the full data set")
@writes
def seed_large(scale: float) -> None:
    """Load the region-sized benchmark data set into an empty, migrated database."""
    # Here, not at the top: demo data is no part of the portal (see seed_demo).
    from leerhuis.demo.large import seed_large as run  # noqa: PLC0415 - the [demo] extra

    started = time.monotonic()
    summary = run(organisations=int(400 * scale), professionals=int(20_000 * scale),
                  events_per_year=int(1_000 * scale), registrations=int(150_000 * scale),
                  progress=lambda message: click.echo(
                      f"  {message} ({time.monotonic() - started:.0f} s)"))
    db.session.commit()
    for key, value in summary.items():
        click.echo(f"{key}: {value}")
    click.echo(f"klaar in {time.monotonic() - started:.0f} s")


@click.command("issue-certificates")
@click.argument("run_id", type=int)
@writes
def issue_certificates(run_id: int) -> None:
    """Run (or resume) a bulk certificate run in the foreground."""
    run = process_run(run_id)
    click.echo(f"{run.done} bewijzen uitgegeven ({run.status.value})")


@click.command("backup")
@click.argument("target", type=click.Path(path_type=__import__("pathlib").Path))
def backup(target) -> None:
    """Back up the database, the certificates and the uploaded documents into TARGET (a new
    directory)."""
    manifest = create_backup(target)
    click.echo(f"Back-up gemaakt in {target} (revisie {manifest['alembic_revision']}).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, path_type=__import__("pathlib").Path))
@click.confirmation_option(
    prompt="Dit vervangt de huidige database, bewijzen en documenten. Doorgaan?")
def restore(source) -> None:
    """Restore the database, the certificates and the uploaded documents from a backup."""
    try:
        manifest = restore_backup(source)
    except BackupError as exc:  # refused before anything was touched: say why, no traceback
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Teruggezet: back-up van {manifest['created_at']}.")
