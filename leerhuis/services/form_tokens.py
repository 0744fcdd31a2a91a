"""One-time form tokens: a creating form submitted twice creates once.

Rule enforced here: the first submission of a form token creates the record and keeps the
token with what it made; a later submission with the same token by the same person creates
nothing and is pointed at that record (what someone who double-clicked expects). A
submission that fails (a refused input, a rolled-back request) keeps no token, so the
corrected form can be sent again. The token row is written before the record, inside a
savepoint: of two simultaneous submissions the second waits on the unique token and then
finds the first one's record.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import FormSubmission, User

T = TypeVar("T")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AlreadySubmitted(DomainError):
    """This form was sent before: ``kind`` (a table name) and ``object_id`` say what it made.
    Nothing to tell the person: the view shows them what the first submission made."""

    def __init__(self, kind: str, object_id: int):
        super().__init__(errors={})
        self.kind = kind
        self.object_id = object_id


class TokenRefused(DomainError):
    """The token is someone else's (a copied form, never a double click): a bad request."""

    def __init__(self):
        super().__init__(errors={})


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_well_formed(token: str | None) -> bool:
    return bool(token and TOKEN.fullmatch(token))


def create_once(token: str | None, *, by: User, create: Callable[[], T]) -> T:
    """``create()`` once per token; the created object must have a table and an ``id``.
    Without a (well-formed) token it simply creates."""
    if not is_well_formed(token):
        return create()
    try:
        with db.session.begin_nested():
            claim = FormSubmission(token=token, user_id=by.id)
            db.session.add(claim)
    except IntegrityError:
        earlier = db.session.scalars(select(FormSubmission).where(
            FormSubmission.token == token)).one()
        if earlier.user_id != by.id or earlier.object_id is None:
            raise TokenRefused() from None
        raise AlreadySubmitted(earlier.kind, earlier.object_id) from None
    made = create()
    db.session.flush()
    created = inspect(made)  # the mapped object's table and primary key, whatever its class
    claim.kind = created.mapper.local_table.name
    claim.object_id = created.identity[0]
    return made
