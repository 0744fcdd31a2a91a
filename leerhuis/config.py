"""Settings read from the environment; the defaults are safe for development only."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

DEFAULT_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def default_instance_path() -> str:
    """The instance folder create_app's Flask uses, for code that needs the settings before
    an app exists (the task queue is made when leerhuis.tasks is imported)."""
    return Flask("leerhuis").instance_path


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config from ``os.environ``; ``overrides`` win (tests use them)."""
    env = os.environ
    instance = Path(instance_path)
    config: dict = {
        "ENV_NAME": env.get("LEERHUIS_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(
            env.get("DATABASE_URL") or f"sqlite:///{instance / 'leerhuis.sqlite'}"
        ),
        # Idle pooled connections are pinged before use (leerhuis/extensions.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Mail: without MAIL_SERVER the outbox writes .eml files to MAIL_FILE_DIR.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_FROM": env.get("MAIL_FROM", "Regionaal Leerhuis <leerhuis@example.org>"),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(instance / "mail")),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "8")),
        "CERTIFICATE_DIR": env.get("CERTIFICATE_DIR", str(Path.cwd() / "certificates")),
        "UPLOAD_DIR": env.get("UPLOAD_DIR", str(instance / "uploads")),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "REMINDER_DAYS_BEFORE": int(env.get("REMINDER_DAYS_BEFORE", "2")),
        "RETENTION_YEARS": int(env.get("RETENTION_YEARS", "2")),
        # Addresses of nobody in the region an organiser may invite in any 24 hours.
        "OUTSIDE_INVITATIONS_PER_DAY": int(env.get("OUTSIDE_INVITATIONS_PER_DAY", "50")),
        # A certificate run whose worker sent no heartbeat for this long is taken over.
        "CERTIFICATE_RUN_LEASE_SECONDS": int(env.get("CERTIFICATE_RUN_LEASE_SECONDS", "120")),
        # Slug of the region shown to visitors; empty: the first region created.
        "DEFAULT_REGION": env.get("DEFAULT_REGION", "").strip(),
        # Background tasks: LEERHUIS_HUEY=memory keeps the queue in the process (tests run the
        # tasks themselves); otherwise Redis when REDIS_URL is set, else this SQLite file.
        "HUEY_IN_MEMORY": env.get("LEERHUIS_HUEY", "").strip() == "memory",
        "HUEY_SQLITE_PATH": env.get("HUEY_SQLITE_PATH") or str(instance / "huey.sqlite"),
        # Processes laying out certificates in a bulk run, and certificates per batch.
        "PDF_WORKERS": max(1, int(env.get("PDF_WORKERS") or os.cpu_count() or 1)),
        "CERTIFICATE_BATCH_SIZE": max(1, int(env.get("CERTIFICATE_BATCH_SIZE") or "50")),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        # A 429 says when to try again (Retry-After), as do the X-RateLimit-* headers.
        "RATELIMIT_HEADERS_ENABLED": True,
        # Proxies in front of the app whose X-Forwarded-For is believed: behind one TLS proxy,
        # 1. With 0 every client would share the proxy's address, and its rate limits.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "RATE_LIMITS": {
            # login: per client address; login_account: per e-mail address typed, whatever
            # the addresses the attempts come from.
            "login": "20 per 10 minutes", "login_account": "10 per 10 minutes",
            "sign_up": "10 per hour", "resend": "5 per hour",
            "reset": "5 per 15 minutes", "registration": "30 per minute",
            "verify": "60 per minute", "feed": "120 per hour", "api": "120 per minute",
            "export": "10 per hour", "checkin": "5 per 15 minutes",
        },
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ["nl", "en"],
        "TOKEN_MAX_AGE_SECONDS": int(env.get("TOKEN_MAX_AGE_SECONDS", str(2 * 24 * 3600))),
        "RESET_TOKEN_MAX_AGE_SECONDS": int(env.get("RESET_TOKEN_MAX_AGE_SECONDS", "3600")),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    }
    config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    if overrides:
        config.update(overrides)
    production = config["ENV_NAME"] == "production"
    config["PRODUCTION"] = production
    if production:
        config.setdefault("SESSION_COOKIE_SECURE", True)
        config.setdefault("REMEMBER_COOKIE_SECURE", True)
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        if config["SECRET_KEY"] in ("", DEFAULT_SECRET_KEY) or len(config["SECRET_KEY"]) < 32:
            raise ConfigError(
                "LEERHUIS_ENV=production vereist een eigen SECRET_KEY van minstens 32 tekens."
            )
    return config


def _database_url(url: str) -> str:
    # Heroku-style URLs and bare postgresql:// should use the psycopg 3 driver.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
