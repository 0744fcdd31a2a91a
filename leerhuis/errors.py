"""The one error type of the domain: a rule refused what someone asked.

A service raises it with a message already translated where it is raised (``_()``), on a
form field (``field``) or on several (``errors``); a view's unit of work rolls the
transaction back and puts the messages on the form (blueprints/unit_of_work.py)."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A refusal in Dutch (or the reader's language). ``errors`` maps form field names to
    messages; '' is the refusal of the whole form."""

    status = 400

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 errors: Mapping[str, str] | None = None):
        if errors is None:
            errors = {field or "": message or ""}
        self.errors = dict(errors)
        self.field = field
        self.message = "; ".join(str(text) for text in self.errors.values())
        super().__init__(self.message)


class Busy(DomainError):
    """Others held what this action needs for too long: nothing was changed; the person is
    asked to try again (a 503 with Retry-After), never shown an error page."""

    status = 503
    retry_after = 5
    @property
    def back_url(self) -> str | None:
        """Where the \"try again\" page links back to; None for the home page."""
        return None
