"""One migration history builds the schema on both databases, and matches the models."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import MIGRATIONS, database_url_for, make_test_config
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models.base import include_in_autogenerate


@pytest.fixture
def fresh_app(tmp_path):
    app = create_app(make_test_config(database_url_for(tmp_path, "migrations"), tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.no_rollback
def test_upgrade_from_empty_downgrade_to_base_and_upgrade_again(fresh_app):
    with fresh_app.app_context():
        upgrade(directory=MIGRATIONS)
        tables = set(inspect(db.engine).get_table_names())
        assert {"user_account", "event", "registration", "certificate", "outbox_message"} <= tables
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS)
        indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("user_account")}
        if db.engine.dialect.name == "postgresql":
            assert "uq_user_account_email_lower" in indexes


@pytest.mark.no_rollback
def test_autogenerate_finds_no_drift_between_models_and_migrations(fresh_app):
    with fresh_app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True,
                                  "include_object": include_in_autogenerate})
            with warnings.catch_warnings():
                # SQLite cannot reflect expression indexes; the migrations create them by hand.
                warnings.filterwarnings("ignore", message=".*expression-based index.*")
                diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.no_rollback
def test_the_email_index_survives_every_revision_on_sqlite(fresh_app):
    with fresh_app.app_context():
        upgrade(directory=MIGRATIONS)
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL alters tables in place")
        with db.engine.connect() as connection:
            names = [row[0] for row in connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='user_account'")]
        assert "uq_user_account_email_lower" in names
