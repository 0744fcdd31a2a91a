"""certificates_bulk: 200 certificates issued as in production (each laid out on its own by
WeasyPrint's public API, in batches spread over one layout process per core, then stored,
hashed, recorded and mailed to the outbox), beside the naive render of one certificate after
another in one process.

Goal (issue 22): a run of 200 in at most 10 s wall on 2 cores. The run is repeated for RUNS
events of 200 present participants each and the median reported, with every run beside it:
on these shared machines one run varies by a fifth from one minute to the next."""

from __future__ import annotations

import importlib
import os
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from bench import infra
from leerhuis import create_app
from leerhuis.extensions import db
from leerhuis.models import (
    Attendance,
    AttendanceSource,
    AttendanceState,
    Certificate,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Organisation,
    OrganisationType,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)

COUNT = 200
RUNS = 3


def run(context: infra.Context, count: int = COUNT) -> dict:
    os.environ.setdefault("LEERHUIS_HUEY", "memory")
    from leerhuis.services import certificates, pdf  # noqa: PLC0415 - the services build the task queue from the environment on import: after infra.app_for sets LEERHUIS_HUEY=memory

    tmp = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": infra.sqlalchemy_url(
            context.empty_database("leerhuis_bench_certificates")),
        "CERTIFICATE_DIR": str(tmp / "certificates"), "MAIL_FILE_DIR": str(tmp / "mail"),
        "SECRET_KEY": secrets.token_hex(16),
    })
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        region = Region(slug="bench", name="Bench", leerhuis_name="Regionaal Leerhuis Bench",
                        signatory_name="Programmamanager", signatory_function="Regio Bench")
        organisation = Organisation(name="Jeugdhulp Bench", type=OrganisationType.ZORGAANBIEDER,
                                    region=region, address="Plein 1, Hilversum",
                                    website="https://bench.example.org")
        db.session.add_all([region, organisation])
        db.session.flush()
        start = utcnow() - timedelta(days=7)
        training = db.session.scalars(select(EventType).where(EventType.code == "training")).one()
        db.session.add(ProgrammeYear(region_id=region.id, year=start.year,
                                     status=ProgrammeStatus.PUBLISHED))
        users = [User(email=f"bench{i}@example.org", password_hash="x", first_name="Deelnemer",
                      last_name=f"Nummer {i}", region=region, organisation=organisation,
                      skj_number=f"{100000000 + i}", session_nonce="x") for i in range(count)]
        db.session.add_all(users)
        events = []
        for number in range(RUNS):
            event = Event(region_id=region.id, type=training, organisation=organisation,
                          programme_year=start.year, status=EventStatus.FINISHED,
                          title=f"Gesprekstechnieken rond uithuisplaatsing ({number + 1})",
                          summary="Drie ochtenden over moeilijke gesprekken rond uithuisplaatsing.",
                          learning_goals="Je herkent dilemma's.\nJe voert een slechtnieuwsgesprek.",
                          trainer="Trainer Gesprekstechnieken", address="Plein 1", city="Hilversum",
                          is_accredited=True, accreditation_number="SKJ-2026-0001",
                          accreditation_points=Decimal(9), attendance_closed_at=utcnow())
            event.sessions = [EventSession(starts_at=start, ends_at=start + timedelta(hours=3),
                                           net_hours=Decimal(3))]
            db.session.add(event)
            db.session.add_all(
                Attendance(registration=Registration(event=event, user=user,
                                                     status=RegistrationStatus.CONFIRMED,
                                                     skj_number=user.skj_number),
                           session=event.sessions[0], state=AttendanceState.PRESENT,
                           source=AttendanceSource.ORGANISER)
                for user in users)
            events.append(event)
        starter = users[0]
        db.session.commit()

        with app.test_request_context():
            # Warm-up outside the measurement, as in a worker that has run before: fonts load
            # once per process, the layout processes live as long as the worker, and the
            # worker (Huey's consumer) runs with its task module loaded, which queues mail.
            importlib.import_module("leerhuis.tasks")
            pdf.warm_pool()
            pdf.write_pdf(pdf.render_html("certificate.html", {"certificates": [
                certificates.certificate_data(
                    db.session.get(Registration, 1),
                    certificates.parts_for(db.session.get(Registration, 1)),
                    "WARM-UPWA-RMUP", utcnow())]}))
            # CPU of everything that works on the run: this process, its layout processes and
            # the database server. On N cores a run cannot be faster than CPU time / N.
            roots = [os.getpid(), *([context.postmaster] if context.postmaster else [])]
            runs, cpus = [], []
            for event in events:
                run = certificates.start_run(event, by=starter)
                db.session.commit()
                cpu_started, started = infra.tree_cpu_seconds(roots), time.perf_counter()
                certificates.process_run(run.id)
                runs.append(time.perf_counter() - started)
                cpus.append(infra.tree_cpu_seconds(roots) - cpu_started)

            # Naive: one certificate after another in this process, render and write only (no
            # storing or recording); 50 of them, as milliseconds per certificate.
            registrations = db.session.scalars(select(Registration).limit(50)).all()
            started = time.perf_counter()
            for registration in registrations:
                data = certificates.certificate_data(
                    registration, certificates.parts_for(registration), certificates.new_code(),
                    utcnow())
                pdf.write_pdf(pdf.render_html("certificate.html", {"certificates": [data]}))
            naive = (time.perf_counter() - started) / len(registrations) * 1000
            issued = db.session.scalar(select(db.func.count()).select_from(Certificate))
    assert issued == count * RUNS, f"{issued} certificates for {RUNS} runs of {count}"
    seconds = statistics.median(runs)
    return {"count": count, "runs": RUNS, "seconds": round(seconds, 2),
            "runs_seconds": [round(run_seconds, 2) for run_seconds in runs],
            "ms_per_certificate": round(seconds / count * 1000, 1),
            "cpu_seconds": round(statistics.median(cpus), 2), "cores": os.cpu_count(),
            "naive_ms_per_certificate": round(naive, 1),
            "naive_seconds": round(naive * count / 1000, 1),
            "harfbuzz_subset": pdf.harfbuzz_subsetting_available()}
