"""Signed, expiring tokens for links in mails (e-mail verification, password reset)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from leerhuis.errors import DomainError

MESSAGES = {
    "expired": _l("Deze link is verlopen. Vraag hieronder een nieuwe aan."),
    "used": _l("Deze link is al gebruikt. Vraag zo nodig een nieuwe aan."),
    "invalid": _l("Deze link is ongeldig. Controleer of je de hele link uit de e-mail hebt "
                  "gebruikt."),
}


class TokenError(DomainError):
    """The token is unknown, tampered with, used or expired."""

    def __init__(self, reason: str):
        super().__init__(str(MESSAGES[reason]))
        self.reason = reason  # "invalid" | "expired" | "used"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"leerhuis:{purpose}")


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(data, dict):
        raise TokenError("invalid")
    return data
