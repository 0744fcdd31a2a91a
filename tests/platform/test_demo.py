"""The demo data: `flask seed-demo` on a freshly migrated database gives three accounts that
can log in and each see what their role allows."""

import pytest
from conftest import MIGRATIONS, database_url_for, make_test_config
from flask_migrate import upgrade
from sqlalchemy import func, select

from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import Certificate, Event, User

DEMO_PASSWORD = "leerhuis-demo"


@pytest.fixture
def demo_app(tmp_path):
    app = create_app(make_test_config(database_url_for(tmp_path, "demo"), tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _login(app, email):
    client = app.test_client()
    response = client.post("/inloggen", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, email
    assert "/inloggen" not in response.headers["Location"], email
    return client


@pytest.mark.no_rollback
def test_seed_demo_loads_accounts_that_see_what_their_role_allows(demo_app):
    runner = demo_app.test_cli_runner()
    with demo_app.app_context():  # as `flask --app leerhuis seed-demo` provides
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        counts = (db.session.scalar(select(func.count()).select_from(User)),
                  db.session.scalar(select(func.count()).select_from(Event)))
        again = runner.invoke(args=["seed-demo"])
        assert again.exit_code == 0, again.output
        assert (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Event))) == counts  # idempotent
        db.session.remove()

    regio = _login(demo_app, "regio@example.org")
    dashboard = regio.get("/regio/")
    assert dashboard.status_code == 200
    assert "Verzonden e-mail" in dashboard.text
    assert regio.get("/regio/beoordelen").status_code == 200

    organisator = _login(demo_app, "organisator@example.org")
    home = organisator.get("/").text
    assert "Organiseren" in home
    mine = organisator.get("/organiseren")
    assert mine.status_code == 200
    assert "Gezinshuis De Linde" in mine.text
    assert organisator.get("/regio/").status_code == 403

    deelnemer = _login(demo_app, "deelnemer@example.org")
    assert "Mijn Leerhuis" in deelnemer.get("/").text
    assert deelnemer.get("/mijn-leerhuis").status_code == 200
    assert deelnemer.get("/organiseren").status_code == 403
    assert deelnemer.get("/regio/").status_code == 403
    with demo_app.app_context():
        codes = db.session.scalars(
            select(Certificate.code)
            .join(User, User.id == Certificate.user_id)
            .where(User.email == "deelnemer@example.org")
        ).all()
        db.session.remove()
    assert codes, "the demo deelnemer has a bewijs van deelname"
    certificates = deelnemer.get("/mijn-leerhuis/bewijzen").text
    assert codes[0] in certificates
    download = deelnemer.get(f"/certificaat/{codes[0]}/pdf")
    content = download.data
    download.close()  # send_file streams from the stored file
    assert download.status_code == 200
    assert content.startswith(b"%PDF")
