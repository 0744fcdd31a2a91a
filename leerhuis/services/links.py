"""Absolute links for mails, calendars and PDFs, built without a request (workers have none)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["BASE_URL"]
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc or "localhost",
                                       url_scheme=parts.scheme or "http",
                                       script_name=parts.path or "/")
    return adapter.build(endpoint, values, force_external=True)
