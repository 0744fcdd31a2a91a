"""Faults: an unreachable database gives a Dutch 503 page without a traceback."""

import pytest
from conftest import free_port, make_test_config

from leerhuis import create_app


@pytest.mark.no_rollback
def test_an_unreachable_database_gives_a_dutch_503_page(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/leerhuis?connect_timeout=2"
    app = create_app(make_test_config(url, tmp_path))
    client = app.test_client()
    response = client.get("/programma/gooi-en-vechtstreek/2026")
    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.text
    assert "Traceback" not in response.text and "psycopg" not in response.text
    assert response.headers["Retry-After"] == "30"
    api = client.get("/api/v1/evenementen")
    assert api.status_code == 503 and api.json == {"error": "Service Unavailable", "status": 503}


# Many small batches: the test kills the worker after its second batch, and a run of 60
# batches leaves it no chance to finish first, however the machine schedules the two.
PEOPLE = 120


@pytest.mark.no_rollback
def test_a_worker_killed_in_a_bulk_run_resumes_without_duplicates(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from datetime import timedelta
    from decimal import Decimal
    from pathlib import Path

    from conftest import MIGRATIONS, database_url_for
    from flask_migrate import upgrade
    from sqlalchemy import func, select, update

    from leerhuis.extensions import db
    from leerhuis.models import (
        Attendance,
        AttendanceSource,
        AttendanceState,
        Certificate,
        CertificateRun,
        Event,
        EventSession,
        EventStatus,
        EventType,
        Organisation,
        OrganisationType,
        Region,
        Registration,
        RegistrationStatus,
        RunStatus,
        User,
        utcnow,
    )
    from leerhuis.services import certificates

    url = database_url_for(tmp_path, "killed")
    config = make_test_config(url, tmp_path)
    app = create_app(config)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        region = Region(slug="r", name="R", leerhuis_name="Leerhuis R")
        organisation = Organisation(name="O", type=OrganisationType.ZORGAANBIEDER, region=region)
        start = utcnow() - timedelta(days=2)
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        event = Event(region=region, type=training, organisation=organisation,
                      programme_year=start.year, status=EventStatus.FINISHED, title="T",
                      address="A", city="B", attendance_closed_at=utcnow())
        event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=2),
                                       net_hours=Decimal(2))]
        db.session.add(event)
        people = [User(email=f"k{i}@example.org", password_hash="x", first_name="K",
                       last_name=str(i), region=region, session_nonce="n") for i in range(PEOPLE)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all(
            Attendance(registration=Registration(event=event, user=person,
                                                 status=RegistrationStatus.CONFIRMED),
                       session=event.sessions[0], state=AttendanceState.PRESENT,
                       source=AttendanceSource.ORGANISER)
            for person in people)
        run = certificates.start_run(event, by=people[0])
        db.session.commit()
        run_id = run.id

        env = {**os.environ, "DATABASE_URL": url, "CERTIFICATE_BATCH_SIZE": "2",
               "CERTIFICATE_DIR": config["CERTIFICATE_DIR"], "MAIL_FILE_DIR": config["MAIL_FILE_DIR"],
               "SECRET_KEY": config["SECRET_KEY"], "LEERHUIS_HUEY": "memory", "PDF_WORKERS": "1"}
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "leerhuis",
                                   "issue-certificates", str(run_id)],
                                  cwd=Path(MIGRATIONS).parent, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        count = lambda: db.session.scalar(select(func.count()).select_from(Certificate))
        deadline = time.monotonic() + 60
        while count() < 4 and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        db.session.rollback()
        interrupted_at = count()
        assert 4 <= interrupted_at < PEOPLE, "the worker must die in the middle of the run"

        # The dead worker's lease still looks alive; once it runs out, the run is resumed.
        assert certificates.stalled_run_ids() == []
        certificates.process_run(run_id)
        assert count() == interrupted_at  # left to the worker that seemed alive
        later = utcnow() + certificates.run_lease() + timedelta(seconds=1)
        assert certificates.stalled_run_ids(now=later) == [run_id]
        db.session.execute(update(CertificateRun).where(CertificateRun.id == run_id)
                           .values(heartbeat_at=utcnow() - certificates.run_lease() * 2))
        db.session.commit()
        run = certificates.process_run(run_id)
        assert run.status is RunStatus.DONE
        rows = db.session.execute(select(Certificate.registration_id)).scalars().all()
        assert len(rows) == PEOPLE == len(set(rows))
        # A PDF the killed worker wrote but never recorded goes once it is old enough.
        store = Path(config["CERTIFICATE_DIR"])
        certificates.remove_orphan_files(now=utcnow() + certificates.ORPHAN_AGE * 2)
        stored = {p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()}
        assert stored == set(db.session.scalars(select(Certificate.file_name)))
        db.session.remove()
        db.engine.dispose()
