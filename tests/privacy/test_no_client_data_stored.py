"""The proof in the database (issue 21 §1): every role types client identifiers into every
text field of every form it uses — the refused attempt first, then a clean retry — the
worker runs its tasks and writes the mail to files, and then nothing the portal keeps (a
full dump of the database, the mail files, the task queue, the log) holds the BSN, the
IBAN, or the client's phone number or e-mail address."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import MIGRATIONS, PASSWORD, database_url_for, make_test_config, make_user
from flask_migrate import upgrade
from sqlalchemy import select
from test_guarded_fields import build_form, text_fields

from leerhuis import create_app
from leerhuis.blueprints.auth.forms import OrganiserRequestForm, ProfileForm
from leerhuis.blueprints.evaluations.forms import EvaluationForm
from leerhuis.blueprints.klankbordgroep.forms import (
    ActionItemForm,
    AgendaActionForm,
    AgendaItemForm,
    GroupForm,
    MeetingForm,
    MinutesForm,
    ProgressForm,
)
from leerhuis.blueprints.lessons.forms import LessonForm
from leerhuis.blueprints.programme.forms import EventForm, ReasonForm
from leerhuis.blueprints.registrations.forms import MessageForm, RegistrationForm
from leerhuis.extensions import db
from leerhuis.models import (
    AgendaAction,
    ApprovalStatus,
    Attendance,
    AttendanceSource,
    AttendanceState,
    Event,
    EventType,
    KlankbordGroup,
    KlankbordMeeting,
    Municipality,
    Organisation,
    OrganisationType,
    OrganiserRole,
    Region,
    Registration,
    utcnow,
)
from leerhuis.services import anonymisation, evaluations
from leerhuis.services.outbox import deliver_due_messages
from leerhuis.tasks import huey

BSN, IBAN, PHONE, EMAIL = "628194821", "NL91ABNA0417164300", "06-12345678", "moeder@gmail.com"
POISON = f"BSN {BSN} {IBAN} moeder {PHONE} {EMAIL}"
REFUSED = "niet opgeslagen mogen worden"
NEXT_YEAR = date.today().year + 1
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _needles() -> list[str]:
    """The identifiers as they may be written anywhere: as typed, digits only, escaped."""
    return [BSN, IBAN, PHONE, "0612345678", EMAIL, "moeder%40gmail.com", "moeder&#64;gmail"]


class Portal:
    """The test client with a login per role and one 'type it everywhere' step."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def login(self, email: str) -> None:
        self.client.post("/uitloggen")
        assert self.client.post("/inloggen", data={"email": email, "password": PASSWORD}
                                ).status_code == 302

    def text_fields(self, form_class, prefix: str = "") -> list[str]:
        with self.app.test_request_context(method="POST"):
            form = build_form(form_class) if not prefix else form_class(
                formdata=None, prefix=prefix, meta={"csrf": False})
            return [field.name for _owner, field in text_fields(form)
                    if field.short_name != "form_token"]

    def type_everywhere(self, url: str, form_class, valid: dict, *, prefix: str = "",
                        refused_status: int = 400, query: str = ""):
        """POST with the client data in every text field (refused), then ``valid``."""
        names = self.text_fields(form_class, prefix)
        refused = self.client.post(url + query, data={**valid, **dict.fromkeys(names, POISON)})
        assert refused.status_code == refused_status, (url, refused.status_code)
        if refused_status != 302:  # a redirect flashes the refusal on the next page
            assert REFUSED in refused.text, url
            assert '<mark class="guard-hit guard-hit--block" title="BSN">' in refused.text
        saved = self.client.post(url + query, data=valid)
        assert saved.status_code in (200, 302), (
            url,
            saved.status_code,
            re.findall(r"(?:form-error|alert)[^>]*>([^<]*)<", saved.text),
        )
        return saved


def _event_data(type_id: int, organisation_id: int, title: str, day: date) -> dict:
    return {"type_id": str(type_id), "organisation_id": str(organisation_id), "title": title,
            "summary": "Kennismaken met het aanbod.", "description_md": "Een middag samen leren.",
            "learning_goals": "Weten wat er is.", "trainer": "Trainer van de aanbieder",
            "case_summary": "", "contact_name": "Coördinator",
            "contact_email": "planning@zorgaanbieder.nl", "contact_phone": "035-1234567",
            "venue_name": "Gezinshuis De Linde", "address": "Voorbeeldstraat 1",
            "postcode": "1211 AA", "city": "Hilversum", "accessibility_notes": "Lift aanwezig.",
            "parking_notes": "Parkeren achter het huis.", "sessions-0-date": day.isoformat(),
            "sessions-0-start": "13:30", "sessions-0-end": "16:30",
            "sessions-0-break_minutes": "15", "sessions-0-title": "Middag", "capacity": "20",
            "own_transport": "y", "privacy_confirmed": "y"}


def _setup(app) -> dict:
    with app.app_context():
        region = Region(slug="gooi-en-vechtstreek", name="Gooi en Vechtstreek",
                        leerhuis_name="Regionaal Leerhuis Gooi en Vechtstreek",
                        signatory_name="Programmamanager Jeugd",
                        signatory_function="Regio Gooi en Vechtstreek")
        region.municipalities = [Municipality(name=n) for n in ("Hilversum", "Huizen")]
        db.session.add(region)
        db.session.commit()
        provider = Organisation(name="Gezinshuis De Linde", type=OrganisationType.ZORGAANBIEDER,
                                region=region, municipality=region.municipalities[0])
        team = Organisation(name="Jeugdteam Hilversum", type=OrganisationType.GEMEENTE,
                            region=region, municipality=region.municipalities[0])
        own = Organisation(name="Regio Gooi en Vechtstreek", type=OrganisationType.REGIO,
                           region=region, municipality=region.municipalities[0])
        db.session.add_all([provider, team, own])
        db.session.commit()
        organiser = make_user(region, "organisator@example.org", organisation=provider)
        db.session.add(OrganiserRole(user=organiser, organisation=provider,
                                     status=ApprovalStatus.APPROVED, decided_at=utcnow()))
        make_user(region, "regio@example.org", admin=True)
        make_user(region, "deelnemer@example.org", organisation=team)
        db.session.commit()
        types = {t.code: t.id for t in db.session.scalars(
            select(EventType).where(EventType.region_id.is_(None)))}
        return {"provider": provider.id, "team": team.id, "types": types}


def _flow(portal: Portal, ids: dict) -> None:
    app, client = portal.app, portal.client
    day = date(NEXT_YEAR, 3, 9)

    # The organiser: an event of every type, with sessions.
    portal.login("organisator@example.org")
    for n, (code, type_id) in enumerate(sorted(ids["types"].items())):
        if code == "klankbordgroep":
            continue  # its meetings are planned on the group's page, below
        data = _event_data(type_id, ids["provider"], f"Activiteit {code}",
                           day.replace(day=day.day + n))
        portal.type_everywhere("/activiteiten/nieuw", EventForm, data)
    with app.app_context():
        events = {e.type.code: e.id for e in db.session.scalars(select(Event))}
    visit = events["werkbezoek"]
    for event_id in events.values():
        assert client.post(f"/activiteiten/{event_id}/indienen").status_code == 302

    # The Region: returns one with a reason (refused first), publishes all and the year.
    portal.login("regio@example.org")
    portal.type_everywhere(f"/activiteiten/{visit}/terugsturen",
                           ReasonForm,
                           {"reason": "Graag de parkeerinformatie aanvullen."},
                           refused_status=302)
    for event_id in events.values():
        client.post(f"/activiteiten/{event_id}/publiceren")
    assert client.post(f"/regio/programma/{NEXT_YEAR}/publiceren").status_code == 302

    # The professional: registers with free texts, profile, a request to organise.
    portal.login("deelnemer@example.org")
    portal.type_everywhere(f"/activiteiten/{visit}/aanmelden", RegistrationForm,
                           {"function": "jeugdconsulent", "diet": "vegetarisch",
                            "accessibility_needs": "Een stoel dicht bij de deur.",
                            "consent_share_name": "y"})
    portal.type_everywhere("/profiel", ProfileForm,
                           {"first_name": "Sanne", "last_name": "Jansen",
                            "function": "jeugdconsulent", "preferred_language": "nl"},
                           refused_status=200)
    portal.type_everywhere("/organisator-worden", OrganiserRequestForm,
                           {"organisation_id": str(ids["team"]),
                            "motivation": "Ik organiseer intervisie voor ons team."},
                           refused_status=200)

    # The organiser writes to the participants.
    portal.login("organisator@example.org")
    portal.type_everywhere(f"/activiteiten/{visit}/deelnemers", MessageForm,
                           {"bericht-subject": "Parkeren", "bericht-body": "Parkeer achter."},
                           prefix="bericht")

    # An evaluation answer, through the personal link the worker would mail.
    with app.app_context():
        registration = db.session.scalars(select(Registration)).one()
        # Marked present (set up here: the presence list has no free text).
        db.session.add(Attendance(registration=registration,
                                  session=registration.event.sessions[0],
                                  state=AttendanceState.PRESENT,
                                  source=AttendanceSource.ORGANISER))
        db.session.flush()
        link = evaluations.invite(registration)
        db.session.commit()
    portal.type_everywhere(link.replace("http://leerhuis.test", ""), EvaluationForm,
                           {"grade": "8", "usefulness": "4",
                            "do_differently": "Eerder het netwerk betrekken.",
                            "suggestions": "Meer tijd voor vragen.",
                            "lesson": "Vraag de jongere wat die nodig heeft.",
                            "privacy_confirmed": "y"})

    # A lesson for the register.
    portal.login("regio@example.org")
    portal.type_everywhere("/lessen/nieuw", LessonForm,
                           {"title": "Luister naar de jongere", "source": "spiegelbijeenkomst",
                            "kind": "aandachtspunt", "phase": "preventie",
                            "wanted_differently": "Dat er eerder naar hen geluisterd werd.",
                            "what_was_good": "De vaste contactpersoon.",
                            "earlier_prevention": "Steun thuis.", "quote": "",
                            "follow_up_proposal": "Training voor consulenten.",
                            "follow_up_owner": "Regio", "follow_up_status": "open",
                            "visibility": "regio", "privacy_confirmed": "y"})

    # The klankbordgroep: group, meeting, agenda, minutes, actions, the agenda's actions and a
    # partner's contribution.
    portal.type_everywhere("/klankbordgroepen/nieuw", GroupForm,
                           {"name": "Partners Zo thuis mogelijk opgroeien", "type": "partners",
                            "meetings_per_year": "2", "description": "Aanbieders en verwijzers."})
    with app.app_context():
        group = db.session.scalars(select(KlankbordGroup)).one().id
    client.post(f"/klankbordgroepen/{group}", data={"lid-email": "organisator@example.org"})
    portal.type_everywhere(f"/klankbordgroepen/{group}", MeetingForm,
                           {"bijeenkomst-day": date(NEXT_YEAR, 4, 2).isoformat(),
                            "bijeenkomst-start": "15:00", "bijeenkomst-end": "17:00",
                            "bijeenkomst-place": "Gemeentehuis Hilversum"}, prefix="bijeenkomst")
    with app.app_context():
        meeting = db.session.scalars(select(KlankbordMeeting)).one().id
    url = f"/klankbordgroepen/bijeenkomsten/{meeting}"
    portal.type_everywhere(url, AgendaItemForm, {"agenda-title": "Voortgang"}, prefix="agenda")
    portal.type_everywhere(url, MinutesForm, {"verslag-minutes": "Besproken: de voortgang.",
                                              "verslag-decisions": "Door met actie 1."},
                           prefix="verslag")
    portal.type_everywhere(url, ActionItemForm, {"actie-title": "Notitie schrijven",
                                                 "actie-owner": "Regio"}, prefix="actie")
    portal.type_everywhere("/uitvoeringsagenda/acties/nieuw", AgendaActionForm,
                           {"number": "1", "title": "Versterken voorveld",
                            "measures": "Meer ambulante hulp"})
    with app.app_context():
        action = db.session.scalars(select(AgendaAction)).one().id
    portal.login("organisator@example.org")
    portal.type_everywhere("/uitvoeringsagenda", ProgressForm,
                           {"action_id": str(action), "text": "Wij openden een tweede huis."},
                           query=f"?organisatie={ids['provider']}")


def _dump_database(app) -> str:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as conn:
            return "\n".join(conn.iterdump())
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    args = [str(PG_BIN / "pg_dump"), "--no-owner", "-h", url.host or "localhost",
            "-p", str(url.port or 5432), "-U", url.username or "postgres", url.database]
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


@pytest.mark.no_rollback
def test_client_identifiers_typed_into_every_form_are_stored_nowhere(tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    app = create_app(make_test_config(database_url_for(tmp_path, "no_client_data"), tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    anonymisation._load_deduce()
    huey.flush()
    try:
        ids = _setup(app)
        portal = Portal(app)
        _flow(portal, ids)

        # What the worker keeps: the queue as it stands, then run it and deliver the mail.
        queued = repr([(task.name, task.args, task.kwargs) for task in huey.pending()])
        with app.app_context():
            while (task := huey.dequeue()) is not None:
                huey.execute(task)
            deliver_due_messages()
            db.session.commit()
        results = repr(huey.all_results())

        dump = _dump_database(app)
        mail_files = list(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
        mail = "\n".join(path.read_bytes().decode("utf-8", "replace") for path in mail_files)
        logged = caplog.text + "".join(capfd.readouterr())
        stored = {"database": dump, "mail": mail, "queue": queued + results, "log": logged}

        # The flow really stored and mailed what was typed on the clean retries.
        assert "Een stoel dicht bij de deur." in dump
        assert "Wij openden een tweede huis." in dump
        assert "planning@zorgaanbieder.nl" in dump  # the organiser's own contact is fine
        assert mail_files
        assert "Parkeer achter." in mail
        for where, text in stored.items():
            for needle in _needles():
                assert needle not in text, f"{needle} found in the {where}"
            assert not re.search(r"628\D?194\D?821", text), where
    finally:
        huey.flush()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
