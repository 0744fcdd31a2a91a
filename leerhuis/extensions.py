"""Flask extensions, created once and bound to the app in ``create_app``."""

import contextlib
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import psycopg
from flask import current_app, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from psycopg.pq import TransactionStatus
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

# Stable constraint names keep Alembic revisions readable and let SQLite batch
# migrations find the constraints they have to recreate.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # db.Model is built at runtime from Base plus Flask-SQLAlchemy's mixins; mypy cannot
    # take an attribute (db.Model) as a base class, so models subclass this name.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def configured_limit(name: str):
    """A rate limit read from config RATE_LIMITS[name] per request, so deployments (and
    tests) can tune it without code changes."""
    return lambda: current_app.config["RATE_LIMITS"][name]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, let readers work beside the writer, wait for locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()
        # SQLite has no time zones: reports group by the Dutch calendar month through this.
        dbapi_connection.create_function("amsterdam_month", 1, _amsterdam_month,
                                         deterministic=True)


def _amsterdam_month(value: str | None) -> str | None:
    """'YYYY-MM' in Europe/Amsterdam of a UTC timestamp as SQLite stores it."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return moment.astimezone(_AMSTERDAM).strftime("%Y-%m")


def take_sqlite_write_lock(session) -> None:
    """Take SQLite's write lock now, in a transaction that began without it. No-op on
    PostgreSQL, which locks rows, and in a transaction that began with BEGIN IMMEDIATE,
    which holds it already."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE region SET id = id WHERE 1 = 0"))


# SQLite has one writer at a time. A transaction that read first and writes afterwards
# cannot wait for that writer: if anyone committed since its first read, its snapshot is
# stale and SQLite refuses at once (SQLITE_BUSY_SNAPSHOT), whatever busy_timeout says. So a
# transaction that may write asks for the write lock in its BEGIN (BEGIN IMMEDIATE) and
# waits its turn there, up to busy_timeout; readers (WAL) never wait. A request may write
# when its method is not safe (POST …); the background worker's transactions may write
# (``writing``); a GET that writes does so in a ``write_transaction`` of its own.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("leerhuis_writing", default=False)


@contextlib.contextmanager
def writing():
    """Transactions begun inside this block take SQLite's write lock first (the worker)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@contextlib.contextmanager
def write_transaction():
    """A short transaction of its own for a write in a request that otherwise reads (a GET
    that records an export in the audit log, a link that confirms an address): what was read
    so far is committed (nothing was written), and the block's transaction begins by waiting
    for SQLite's write lock. Committed at the end of the block."""
    db.session.commit()
    with writing():
        try:
            yield
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()


def _transaction_may_write() -> bool:
    if _writing.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _transaction_may_write() else "BEGIN")


# PostgreSQL plans a statement anew each time unless it is prepared. psycopg prepares a
# statement once it has run five times on a connection, but forgets every prepared statement
# on ROLLBACK (a rolled-back ALTER might have changed what they return). Each request ends
# its transaction with a rollback, so nothing ever stayed prepared: the user's query was
# planned on every page (0.4 ms of the server's CPU). A transaction that only read ends the
# same way whether committed or rolled back, so such a transaction is committed instead and
# the rollback that follows finds nothing to undo. Anything but a SELECT (writes, DDL,
# SAVEPOINT) keeps the real rollback.
_READ_ONLY = "leerhuis_read_only"


@event.listens_for(Engine, "begin")
def _transaction_starts_read_only(connection) -> None:
    connection.info[_READ_ONLY] = True


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if connection.info.get(_READ_ONLY) and statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_READ_ONLY] = False


@event.listens_for(Engine, "rollback")
def _end_read_only_transaction_by_commit(connection) -> None:
    # An invalidated connection (the database went away) has nothing to commit; asking it
    # for its info would try to reconnect.
    if (connection.dialect.name != "postgresql" or connection.closed or connection.invalidated
            or not connection.info.pop(_READ_ONLY, False)):
        return

    dbapi_connection = connection.connection.dbapi_connection
    # Only a healthy transaction: one that failed must be rolled back (and prepared
    # statements of a failed transaction are psycopg's to forget).
    if dbapi_connection.info.transaction_status == TransactionStatus.INTRANS:
        with contextlib.suppress(psycopg.Error):
            dbapi_connection.commit()  # if this fails, the rollback that follows reports it


# A pooled connection that sat idle may have been dropped (a database restart, a firewall's
# idle timeout); one in steady use was just proven alive. Pinging only the idle ones spares
# busy servers a round trip per request (SQLAlchemy's pool_pre_ping pings every checkout).
IDLE_PING_SECONDS = 10.0


@event.listens_for(Pool, "checkin")
def _note_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    checked_in = record.info.get("checked_in_at")
    if checked_in is None or time.monotonic() - checked_in < IDLE_PING_SECONDS:
        return
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return  # a file: nothing to drop
    try:
        # Outside a transaction, as SQLAlchemy's own ping does, so none is left open.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            dbapi_connection.cursor().execute("SELECT 1")
        finally:
            dbapi_connection.autocommit = autocommit
    except Exception as exc:
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError(str(exc)) from exc
