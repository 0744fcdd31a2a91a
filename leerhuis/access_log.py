"""gunicorn's access log without the secrets that some paths carry.

An evaluation link's token, with the time of the request in the access log, would tie an
answer to the person who was sent that link; reset, confirmation, waiting-list and calendar
links would let whoever reads the log act as that person. The log keeps the path, with the
token replaced.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

REDACTED = "[verborgen]"
_SECRET_PATHS = re.compile(
    r"(/(?:evaluatie|bevestigen|wachtwoord-herstellen|wachtlijst|agenda)/)[^/?#\s\"]+")


def redact(text: str) -> str:
    """``text`` with the token of every secret link in it replaced."""
    return _SECRET_PATHS.sub(lambda match: match.group(1) + REDACTED, text)


class RedactingLogger(Logger):
    """Every access-log field that can hold a path — the request line, the path, the
    Referer (our pages send the full URL to our own pages), the environ — redacted."""

    def atoms(self, resp, req, environ, request_time):
        return {name: redact(value) if isinstance(value, str) else value
                for name, value in super().atoms(resp, req, environ, request_time).items()}
