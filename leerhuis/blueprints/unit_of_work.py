"""One unit of work per request that changes something (Indico's request handler commits
once at the end): a view runs its service call inside ``unit_of_work`` and never commits,
rolls back or catches a domain error itself.

    with unit_of_work(form) as work:
        event = programme.create_event(data, by=current_user)
    if work.ok:
        return redirect(url_for("programme.event_page", event_id=event.id))
    return render_template("programme/form.html", form=form), work.status

At the end of the block the transaction commits. A DomainError rolls it back and its
messages go onto the form's fields (the rest is flashed); ``work.error`` keeps it for a view
that answers a particular refusal its own way. Busy rolls back and goes on to the "try again"
page (503, web.py); any other exception rolls back and goes on as it is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash
from flask_wtf import FlaskForm

from leerhuis.errors import Busy, DomainError
from leerhuis.extensions import db


@dataclass
class Work:
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The status of the page that shows the form again: 400 after a refusal."""
        return self.error.status if self.error is not None else 200


@contextmanager
def unit_of_work(form: FlaskForm | None = None, *, field: str | None = None,
                 flash_others: bool = True) -> Iterator[Work]:
    """Commit what the block did, or roll it back. A refusal's messages go onto ``form``:
    each on its own field, a message for no field (or for one the form lacks) onto ``field``
    when given, else flashed (unless the view shows ``work.error`` itself)."""
    work = Work()
    try:
        yield work
    except Busy:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        work.error = error
        show_errors(error, form, field, flash_others=flash_others)
    except BaseException:
        db.session.rollback()
        raise
    else:
        db.session.commit()


def show_errors(error: DomainError, form: FlaskForm | None, field: str | None = None, *,
                flash_others: bool = True) -> None:
    for name, message in error.errors.items():
        if not message:
            continue
        target = name if form is not None and name and name in form else field
        if form is not None and target is not None:
            form[target].errors = [*form[target].errors, message]
        elif flash_others:
            flash(message, "error")

