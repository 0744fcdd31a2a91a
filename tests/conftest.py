"""Fixtures: the app on SQLite or PostgreSQL, a per-test transaction rollback, a real SMTP
server (aiosmtpd on loopback), and logged-in users for each role.

The database comes from TEST_DATABASE_URL (a PostgreSQL server URL; each xdist worker gets
its own database on it) or, without it, a SQLite file per worker. The schema is created by
running the Alembic migrations, not ``create_all``.
"""

from __future__ import annotations

import os

# Not setdefault: the Makefile exports LEERHUIS_HUEY empty, which would put every test
# worker (and a running `make run`) on one shared instance/huey.sqlite queue.
if not os.environ.get("LEERHUIS_HUEY"):
    os.environ["LEERHUIS_HUEY"] = "memory"

import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.orm import scoped_session, sessionmaker

from leerhuis import create_app, page_cache
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    AttendanceState,
    Certificate,
    CertificateStatus,
    Event,
    EventSession,
    EventStatus,
    EventType,
    Municipality,
    Organisation,
    OrganisationType,
    OrganiserRole,
    ProgrammeStatus,
    ProgrammeYear,
    Region,
    Registration,
    RegistrationStatus,
    SkjKamer,
    User,
    utcnow,
)
from leerhuis.services import attendance
from leerhuis.services.accounts import hash_password
from leerhuis.services.outbox import deliver_due_messages
from leerhuis.tasks import huey

PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parent.parent  # the repository
MIGRATIONS = str(ROOT / "migrations")


def pytest_configure(config):
    config.addinivalue_line("markers", "no_rollback: the test manages its own database")
    config.addinivalue_line("markers", "browser: drives a real Chromium")
    compile_translations()


def compile_translations() -> None:
    """Compile each .po catalogue to the .mo the app reads (``make install`` does the same;
    .mo files are not in git), so the suite also works without it. Written atomically:
    xdist workers start at the same time."""
    translations = ROOT / "leerhuis" / "translations"
    for po in translations.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_name(f"messages.mo.{os.getpid()}")
        with partial.open("wb") as target:
            write_mo(target, catalog)
        os.replace(partial, mo)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database(server_url: str, name: str) -> str:
    """Create a fresh, empty database ``name`` on the server and return its URL."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def database_url_for(tmp_dir: Path, label: str) -> str:
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        server = server.replace("postgresql://", "postgresql+psycopg://", 1)
        return _postgres_database(server, f"leerhuis_test_{label}_{_worker()}")
    return f"sqlite:///{tmp_dir / f'{label}.sqlite'}"


def make_test_config(database_url: str, tmp_dir: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-" + secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        # Limits are on, as in production, but high; a test lowers one to prove it works.
        "RATELIMIT_ENABLED": True,
        "RATE_LIMITS": {name: "100000 per minute" for name in (
            "login", "login_account", "sign_up", "resend", "reset", "registration", "verify",
            "feed", "api", "export", "checkin")},
        "MAIL_SERVER": "",
        "MAIL_FILE_DIR": str(tmp_dir / "mail"),
        "CERTIFICATE_DIR": str(tmp_dir / "certificates"),
        "UPLOAD_DIR": str(tmp_dir / "uploads"),
        "BASE_URL": "http://leerhuis.test",
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("app")
    app = create_app(make_test_config(database_url_for(tmp_dir, "app"), tmp_dir))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    yield app
    with app.app_context():
        db.engine.dispose()


class _BoundSession(db.session.session_factory.class_):
    """Flask-SQLAlchemy's session picks the engine itself; in tests it must use the one
    connection that holds the test's outer transaction."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test runs inside a transaction that is rolled back afterwards; the code under
    test may commit (that releases a savepoint)."""
    # The rollback below also rolls the data version back: pages cached by the previous
    # test would look current. (In production a rolled-back transaction changed nothing.)
    page_cache.store.clear()
    if "no_rollback" in request.keywords:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(class_=_BoundSession, db=db, bind=connection,
                         join_transaction_mode="create_savepoint"),
            scopefunc=original.registry.scopefunc,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


# --- SMTP ------------------------------------------------------------------------------


@dataclass
class CapturedMail:
    envelope_from: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=default_policy)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[CapturedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(CapturedMail(envelope.mail_from, list(envelope.rcpt_tos),
                                              envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[CapturedMail]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.recipients)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    sink = SmtpSink("127.0.0.1", free_port())
    # SMTPUTF8 as Postfix and Exchange offer it: addresses like joëlle@… are valid.
    controller = Controller(sink, hostname=sink.host, port=sink.port, enable_SMTPUTF8=True)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def smtp(app, smtp_server, monkeypatch):
    """A real SMTP server the app delivers to; ``smtp.messages`` holds what arrived."""
    smtp_server.messages.clear()
    monkeypatch.setitem(app.config, "MAIL_SERVER", smtp_server.host)
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    return smtp_server


@pytest.fixture
def deliver_mail(app):
    """Run the outbox worker once, as the Huey task does."""
    def run():
        return deliver_due_messages()

    return run


@pytest.fixture
def task_queue():
    """The Huey queue (in memory in tests), emptied first; ``run()`` runs what was queued,
    as the consumer would, and returns the names of the tasks it ran."""
    huey.flush()

    class Queue:
        @staticmethod
        def names() -> list[str]:
            return [task.name for task in huey.pending()]

        @staticmethod
        def run() -> list[str]:
            ran = []
            while (task := huey.dequeue()) is not None:
                huey.execute(task)
                ran.append(task.name)
            return ran

    yield Queue
    huey.flush()


# --- People ----------------------------------------------------------------------------

_PASSWORD_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _PASSWORD_HASH:
        _PASSWORD_HASH["h"] = hash_password(PASSWORD)
    return _PASSWORD_HASH["h"]


@pytest.fixture
def region(app):
    region = Region(slug="gooi-en-vechtstreek", name="Gooi en Vechtstreek",
                    leerhuis_name="Regionaal Leerhuis Gooi en Vechtstreek",
                    signatory_name="Programmamanager Jeugd",
                    signatory_function="Regio Gooi en Vechtstreek")
    region.municipalities = [Municipality(name=n) for n in ("Hilversum", "Huizen", "Wijdemeren")]
    db.session.add(region)
    db.session.commit()
    return region


@pytest.fixture
def other_region(app):
    region = Region(slug="utrecht-west", name="Utrecht West", leerhuis_name="UW Academie")
    region.municipalities = [Municipality(name="Woerden")]
    db.session.add(region)
    db.session.commit()
    return region


@pytest.fixture
def provider(region):
    org = Organisation(name="Gezinshuis De Linde", type=OrganisationType.ZORGAANBIEDER,
                       region=region, municipality=region.municipalities[0])
    db.session.add(org)
    db.session.commit()
    return org


@pytest.fixture
def other_provider(region):
    org = Organisation(name="Jeugdhulp Het Baken", type=OrganisationType.ZORGAANBIEDER,
                       region=region, municipality=region.municipalities[1])
    db.session.add(org)
    db.session.commit()
    return org


@pytest.fixture
def municipality_team(region):
    org = Organisation(name="Jeugdteam Hilversum", type=OrganisationType.GEMEENTE,
                       region=region, municipality=region.municipalities[0])
    db.session.add(org)
    db.session.commit()
    return org


def make_user(region, email, *, organisation=None, admin=False, verified=True, **fields) -> User:
    user = User(
        email=email, password_hash=password_hash(),
        first_name=fields.pop("first_name", "Sanne"), last_name=fields.pop("last_name", "Jansen"),
        function=fields.pop("function", "jeugdconsulent"), region_id=region.id,
        organisation=organisation, municipality=region.municipalities[0],
        email_verified_at=utcnow() if verified else None, is_region_admin=admin,
        session_nonce=secrets.token_hex(8), **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def deelnemer(region, municipality_team):
    return make_user(region, "deelnemer@example.org", organisation=municipality_team,
                     skj_number="100234567", skj_kamer=SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS)


@pytest.fixture
def organisator(region, provider):
    user = make_user(region, "organisator@example.org", organisation=provider,
                     first_name="Mila", last_name="de Vries", function="coördinator gezinshuizen")
    db.session.add(OrganiserRole(user=user, organisation=provider,
                                 status=ApprovalStatus.APPROVED, decided_at=utcnow()))
    db.session.commit()
    return user


@pytest.fixture
def other_organisator(region, other_provider):
    user = make_user(region, "ander@example.org", organisation=other_provider,
                     first_name="Daan", last_name="Bakker")
    db.session.add(OrganiserRole(user=user, organisation=other_provider,
                                 status=ApprovalStatus.APPROVED, decided_at=utcnow()))
    db.session.commit()
    return user


@pytest.fixture
def regio_admin(region):
    return make_user(region, "regio@example.org", admin=True, first_name="Regio",
                     last_name="Beheerder", function="beleidsmedewerker")


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/inloggen", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/uitloggen")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def as_deelnemer(client, auth, deelnemer):
    auth.login(deelnemer)
    return client


@pytest.fixture
def as_organisator(client, auth, organisator):
    auth.login(organisator)
    return client


@pytest.fixture
def as_regio(client, auth, regio_admin):
    auth.login(regio_admin)
    return client


# --- Events, registrations, attendance -------------------------------------------------
# Factories with the defaults most tests need; a test names only what its behaviour
# depends on (a past date, a capacity, an accreditation).


def event_type(code: str) -> EventType:
    """A built-in activity type by its code: training, werkbezoek, intervisie, …"""
    return db.session.scalars(select(EventType).where(EventType.code == code)).one()


def make_session(starts: datetime, *, hours: float = 3, break_minutes: int = 0,
                 **fields) -> EventSession:
    """A session of ``hours`` net hours; the break comes on top (it does not count)."""
    return EventSession(starts_at=starts,
                        ends_at=starts + timedelta(hours=hours, minutes=break_minutes),
                        break_minutes=break_minutes, net_hours=Decimal(str(hours)), **fields)


def publish_programme(region, year: int) -> ProgrammeYear:
    """The region's programme of ``year``, published (created when missing)."""
    programme_year = db.session.scalars(select(ProgrammeYear).where(
        ProgrammeYear.region_id == region.id, ProgrammeYear.year == year)).first()
    if programme_year is None:
        programme_year = ProgrammeYear(region_id=region.id, year=year,
                                       status=ProgrammeStatus.PUBLISHED, published_at=utcnow())
        db.session.add(programme_year)
    return programme_year


def make_event(region, organisation, *, type: str = "training", days_from_now: float = 20,
               starts: datetime | None = None, sessions: int = 1, hours: float = 3,
               break_minutes: int = 0, days_between: int = 1,
               status: EventStatus = EventStatus.PUBLISHED, capacity: int | None = 20,
               accredited: bool = False, published_programme: bool = True, **fields) -> Event:
    """An activity of ``organisation`` in ``region``: ``sessions`` sessions of ``hours`` net
    hours, ``days_between`` apart, the first ``days_from_now`` days away (negative: past) or
    at ``starts``. Accredited means an SKJ number and points for the hours it counts.
    Its programme year is published unless ``published_programme`` is false."""
    start = starts if starts is not None else utcnow() + timedelta(days=days_from_now)
    kind = event_type(type)
    fields.setdefault("title", "Gesprekstechnieken rond uithuisplaatsing")
    fields.setdefault("address", "Plein 1")
    fields.setdefault("city", "Huizen")
    fields.setdefault("issues_certificate", kind.issues_certificate)
    if accredited:
        fields.setdefault("is_accredited", True)
        fields.setdefault("accreditation_number", "SKJ-2026-0042")
        fields.setdefault("accreditation_points", Decimal(str(hours)) * sessions)
    event = Event(region_id=region.id, type=kind, organisation=organisation,
                  programme_year=start.year, status=status, capacity=capacity, **fields)
    event.sessions = [make_session(start + timedelta(days=days_between * i), hours=hours,
                                   break_minutes=break_minutes)
                      for i in range(sessions)]
    db.session.add(event)
    if published_programme:
        publish_programme(region, start.year)
    db.session.commit()
    return event


def make_registration(event, user, *, status: RegistrationStatus = RegistrationStatus.CONFIRMED,
                      consent: bool = False, **fields) -> Registration:
    """``user`` on ``event`` (confirmed by default), with the profile details a registration
    copies: organisation, function and SKJ number."""
    if user is not None:
        fields.setdefault("organisation_id", user.organisation_id)
        fields.setdefault("function", user.function)
        fields.setdefault("skj_number", user.skj_number)
    registration = Registration(event_id=event.id, user_id=user.id if user is not None else None,
                                status=status, consent_share_name=consent, **fields)
    db.session.add(registration)
    db.session.commit()
    return registration


def mark_present(registration, *, by=None, sessions=None,
                 state: AttendanceState = AttendanceState.PRESENT) -> Registration:
    """Mark ``registration`` present (or ``state``) for ``sessions`` (default: every session
    of its event), through the attendance service, by ``by`` (default: nobody in particular)."""
    for session in sessions if sessions is not None else registration.event.sessions:
        attendance.mark(registration, session, state, by=by)
    db.session.commit()
    return registration


def close_attendance(event, *, by) -> Event:
    """Close the presence list of a finished activity (the organiser's last step)."""
    attendance.close_attendance(event, by=by)
    db.session.commit()
    return event


def make_certificate(user, event_title: str, days_ago: int, *,
                     status: CertificateStatus = CertificateStatus.VALID,
                     code: str | None = None) -> Certificate:
    """A stored bewijs van deelname of three hours for ``user`` (no PDF behind it), for the
    pages that list certificates."""
    certificate = Certificate(
        code=code or f"LH-{days_ago:04d}-TEST", user_id=user.id, participant_name=user.full_name,
        event_title=event_title, event_type_label="Training", activity_dates="",
        first_date=utcnow() - timedelta(days=days_ago), net_hours=Decimal(3),
        skj_category="informeel_leren", status=status, file_name="x.pdf", sha256="0" * 64)
    db.session.add(certificate)
    return certificate
