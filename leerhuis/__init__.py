"""Leerhuis: the portal of a region's Regionaal Leerhuis."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from leerhuis.config import load_config
from leerhuis.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints. No migrations, no network."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, test_config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    # tasks: registers the background tasks that services queue by name (leerhuis/queue.py).
    # Imported here, not at the top (pyproject's per-file-ignores for PLC0415): the worker in
    # leerhuis.tasks builds its app with create_app (a cycle at the top), and a script that
    # imports leerhuis.models must not load every view.
    from leerhuis import cli, tasks, web  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale, timezone_selector=web.select_timezone)

    web.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from leerhuis.blueprints.api.routes import bp as api_bp
    from leerhuis.blueprints.api.routes import feeds as feeds_bp
    from leerhuis.blueprints.attendance.routes import bp as attendance_bp
    from leerhuis.blueprints.auth.routes import bp as auth_bp
    from leerhuis.blueprints.certificates.routes import bp as certificates_bp
    from leerhuis.blueprints.evaluations.routes import bp as evaluations_bp
    from leerhuis.blueprints.invitations.routes import bp as invitations_bp
    from leerhuis.blueprints.klankbordgroep.routes import bp as klankbordgroep_bp
    from leerhuis.blueprints.lessons.routes import bp as lessons_bp
    from leerhuis.blueprints.main.routes import bp as main_bp
    from leerhuis.blueprints.privacy.routes import bp as privacy_bp
    from leerhuis.blueprints.programme.routes import bp as programme_bp
    from leerhuis.blueprints.region.routes import bp as region_bp
    from leerhuis.blueprints.registrations.routes import bp as registrations_bp
    from leerhuis.blueprints.reports.routes import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(region_bp)
    app.register_blueprint(programme_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(klankbordgroep_bp)
    app.register_blueprint(lessons_bp)
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(feeds_bp)
