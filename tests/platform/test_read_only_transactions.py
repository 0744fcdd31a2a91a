"""Transactions that only read end by COMMIT, so psycopg keeps its prepared statements and
PostgreSQL stops planning the same queries on every page; anything that wrote is still
rolled back (leerhuis/extensions.py)."""

import os

import pytest
import sqlalchemy as sa
from conftest import MIGRATIONS, AuthActions, database_url_for, make_test_config, make_user
from flask_migrate import upgrade

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import Municipality, Region

pytestmark = [
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="psycopg's prepared statements exist only on PostgreSQL"),
    pytest.mark.no_rollback,
]


@pytest.fixture
def own_app(tmp_path):
    """An app with one pooled connection, so every request uses the same server session."""
    app = create_app(make_test_config(database_url_for(tmp_path, "readonly"), tmp_path,
                                      SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1,
                                                                 "max_overflow": 0}))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="gooi", name="Gooi", leerhuis_name="Leerhuis Gooi")
        region.municipalities = [Municipality(name="Hilversum")]
        db.session.add(region)
        db.session.commit()
        make_user(region, "lezer@example.org")
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def query(sql: str) -> list:
    """A read on the app's one pooled connection, which is then back in the pool."""
    try:
        return list(db.session.scalars(sa.text(sql)))
    finally:
        db.session.remove()


def region_names() -> list[str]:
    try:
        return list(db.session.scalars(sa.select(Region.name).order_by(Region.name)))
    finally:
        db.session.remove()


def view_mijn_leerhuis_eight_times(app) -> None:
    """psycopg prepares a statement on its fifth run on a connection."""
    client = app.test_client()
    AuthActions(client).login("lezer@example.org")
    for _ in range(8):
        assert client.get("/mijn-leerhuis").status_code == 200


def test_the_user_query_stays_prepared_across_page_views(own_app):
    view_mijn_leerhuis_eight_times(own_app)
    with own_app.app_context():
        statements = query("SELECT statement FROM pg_prepared_statements")
    assert any("FROM user_account" in statement for statement in statements), statements


def test_mijn_leerhuis_binds_only_the_user_so_it_can_be_planned_once(own_app):
    """A prepared statement gets a plan made once only if PostgreSQL can cost it without
    the bound values: the overview's constants (LIMIT 1, the waiting-list status) are in
    its text, the user is its one parameter."""
    view_mijn_leerhuis_eight_times(own_app)
    with own_app.app_context():
        overview = query("SELECT cardinality(parameter_types) FROM pg_prepared_statements "
                         "WHERE statement LIKE '%FROM registration JOIN event%'")
    assert overview == [1]


def test_a_transaction_that_wrote_is_rolled_back_not_committed(own_app):
    with own_app.app_context():
        db.session.add(Region(slug="nooit", name="Nooit bewaard", leerhuis_name="x"))
        db.session.flush()
        db.session.remove()  # ends the transaction without commit
        assert region_names() == ["Gooi"]


def test_a_read_then_a_raw_write_is_rolled_back(own_app):
    with own_app.app_context():
        db.session.execute(sa.select(Region.id)).all()
        db.session.execute(sa.text("UPDATE region SET name = 'Gewijzigd'"))
        db.session.rollback()
        db.session.remove()
        assert region_names() == ["Gooi"]


def test_a_failed_read_is_rolled_back_and_the_connection_works_after(own_app):
    with own_app.app_context():
        with pytest.raises(sa.exc.DataError):
            db.session.execute(sa.text("SELECT 1 / 0")).all()
        db.session.remove()
        assert region_names() == ["Gooi"]
