"""Pooled PostgreSQL connections: one the database dropped while it sat idle (a restart, a
firewall's idle timeout) is replaced before use, without the per-checkout ping that
pool_pre_ping would cost every request (leerhuis/extensions.py)."""

import os

import pytest
import sqlalchemy as sa
from conftest import database_url_for, make_test_config

from leerhuis import create_app, extensions
from leerhuis.extensions import db

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="a PostgreSQL server drops connections; a file does not")


def backend_pid() -> int:
    try:
        return db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    finally:
        db.session.remove()  # back into the pool


def terminate(pid: int) -> None:
    """What a database restart does to the pooled connection, from outside the pool."""
    outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with outside.connect() as other:
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    outside.dispose()


@pytest.mark.no_rollback
def test_a_connection_dropped_while_idle_is_replaced_before_use(tmp_path, monkeypatch):
    app = create_app(make_test_config(database_url_for(tmp_path, "pool"), tmp_path,
                                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1,
                                                                 "max_overflow": 1}))
    with app.app_context():
        try:
            dropped = backend_pid()
            assert backend_pid() == dropped  # in steady use the pool hands out the same one
            terminate(dropped)
            monkeypatch.setattr(extensions, "IDLE_PING_SECONDS", 0.0)  # it has now idled
            replacement = backend_pid()
            assert replacement != dropped
            assert backend_pid() == replacement
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.no_rollback
def test_without_the_idle_ping_a_dropped_connection_fails_the_request(tmp_path, monkeypatch):
    """The counterpart: proves the test above depends on the ping."""
    app = create_app(make_test_config(database_url_for(tmp_path, "pool"), tmp_path,
                                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1,
                                                                 "max_overflow": 1}))
    with app.app_context():
        try:
            dropped = backend_pid()
            terminate(dropped)
            with pytest.raises(sa.exc.OperationalError):
                backend_pid()
        finally:
            db.session.remove()
            db.engine.dispose()
