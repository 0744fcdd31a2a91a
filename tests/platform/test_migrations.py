"""One migration history builds the schema on both databases, and matches the models."""

import warnings
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from conftest import MIGRATIONS, database_url_for, make_test_config
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import (
    EvaluationResponse,
    Event,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    Region,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
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


@pytest.mark.no_rollback
def test_evaluation_answers_keep_their_content_and_get_random_ids_when_links_become_tokens(
        fresh_app):
    with fresh_app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="r", name="R", leerhuis_name="Leerhuis R")
        organisation = Organisation(name="O", type=OrganisationType.ZORGAANBIEDER, region=region)
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        event = Event(region=region, type=training, organisation=organisation,
                      programme_year=2026, status=EventStatus.FINISHED, title="T", address="A",
                      city="B", attendance_closed_at=utcnow() - timedelta(days=1))
        user = User(email="m@example.org", password_hash="x", first_name="M", last_name="N",
                    region=region, session_nonce="n")
        registration = Registration(event=event, user=user, status=RegistrationStatus.CONFIRMED)
        db.session.add_all([event, registration])
        db.session.commit()
        event_id, registration_id = event.id, registration.id
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0011_session_order_index")
        with db.engine.begin() as connection:
            for n, grade in enumerate((7, 9), 1):
                connection.execute(
                    text(
                        "INSERT INTO evaluation_response (id, event_id, answered_on, grade,"
                        " usefulness, do_differently, suggestions)"
                        " VALUES (:id, :event, :day, :grade, 4, :text, '')"
                    ),
                    {
                        "id": n,
                        "event": event_id,
                        "day": date(2026, 11, 2),
                        "grade": grade,
                        "text": f"Antwoord {n}",
                    },
                )
            connection.execute(text("INSERT INTO evaluation_receipt (registration_id, responded)"
                                    " VALUES (:id, true)"), {"id": registration_id})
        upgrade(directory=MIGRATIONS)

        answers = db.session.scalars(select(EvaluationResponse)).all()
        assert sorted((a.grade, a.do_differently, a.answered_on) for a in answers) == [
            (7, "Antwoord 1", date(2026, 11, 2)), (9, "Antwoord 2", date(2026, 11, 2))]
        assert all(len(a.id) == 32 and not a.id.isdigit() for a in answers)
        invited = db.session.execute(text("SELECT id, evaluation_invited FROM registration")).all()
        assert invited == [(registration_id, True)], invited
        assert "evaluation_receipt" not in inspect(db.engine).get_table_names()
