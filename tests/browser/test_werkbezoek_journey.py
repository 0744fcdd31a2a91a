"""Journey 2: an organisator creates a werkbezoek with a coupled casuïstiekbespreking (the
anonymisation guard speaks up), submits both; the Region publishes, invites a doelgroep,
closes attendance and issues the certificates while the progress bar runs."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from conftest import make_user
from sqlalchemy import select, update

from leerhuis import tasks
from leerhuis.extensions import db
from leerhuis.models import (
    Certificate,
    Event,
    EventSession,
    Region,
    TargetGroup,
)

from .conftest import STAFF_PASSWORD, login, screenshot, wait_for_mail, write_first

pytestmark = [pytest.mark.browser, pytest.mark.no_rollback]

VISIT = "Werkbezoek Gezinshuis De Linde in Huizen"
CASE = "Casuïstiekbespreking bij het werkbezoek in Huizen"
INVITED = [f"consulent{n}@example.org" for n in range(1, 4)]


@pytest.fixture
def consulenten(base):
    """Three jeugdconsulenten (the doelgroep that is invited) and a huisarts (who is not)."""
    groups = {g.slug: g.id for g in db.session.scalars(select(TargetGroup))}
    people = [(email, f"Consulent{n}", "Jansen", "jeugdconsulent", groups["jeugdconsulenten"])
              for n, email in enumerate(INVITED, start=1)]
    people.append(("huisarts@example.org", "Huisarts", "Bos", "huisarts",
                   groups["huisartsen-en-poh-ggz"]))
    for email, first, last, function, group_id in people:
        write_first()
        make_user(db.session.get(Region, base.region_id), email, first_name=first,
                  last_name=last, function=function, target_group_id=group_id)


@pytest.fixture
def certificate_gate():
    """Holds the certificate task at the door until the test has seen the progress bar at
    zero; the real task runs afterwards. Other tasks (mail) pass straight through."""
    gate = threading.Event()

    @tasks.huey.pre_execute(name="browser-certificate-gate")
    def hold(task):
        if task.name.endswith("issue_certificates"):
            gate.wait(timeout=30)

    yield gate
    gate.set()
    tasks.huey.unregister_pre_execute("browser-certificate-gate")


def test_a_werkbezoek_goes_from_organiser_to_certificates(
        new_page, pages, smtp_server, base, consulenten, certificate_gate):
    visit_day = date.today() + timedelta(days=21)
    organiser = new_page()
    login(organiser, base.organisator_email, pages)

    # A new werkbezoek.
    organiser.goto("/organiseren")
    pages.axe(organiser)
    screenshot(organiser, "organise")
    organiser.get_by_role("link", name="Nieuw werkbezoek").click()
    pages.axe(organiser)
    screenshot(organiser, "event-form")
    organiser.get_by_label("Titel", exact=True).fill(VISIT)
    organiser.get_by_label("Korte samenvatting").fill(
        "Kennismaken met het leven in een gezinshuis."
    )
    organiser.get_by_label("jeugdconsulenten").check()
    organiser.get_by_label("gezinshuizen").check()
    organiser.get_by_label("Datum", exact=True).fill(visit_day.isoformat())
    organiser.get_by_label("Begintijd", exact=True).fill("13:30")
    organiser.get_by_label("Eindtijd", exact=True).fill("16:30")
    organiser.get_by_label(re.compile(r"^Pauze")).fill("30")
    organiser.get_by_label(re.compile(r"^Adres")).fill("Voorbeeldstraat 1")
    organiser.get_by_label(re.compile(r"^Postcode")).fill("1271 AA")
    organiser.get_by_label(re.compile(r"^Plaats\b")).fill("Huizen")
    organiser.get_by_label(re.compile(r"^Aantal plaatsen")).fill("15")
    organiser.get_by_role("button", name="Opslaan als concept").click()
    organiser.get_by_role("heading", name=VISIT).wait_for()
    pages.axe(organiser)
    visit_id = int(organiser.url.rstrip("/").rsplit("/", 1)[1])

    # The coupled case discussion: the guard blocks a BSN, then asks about a name.
    organiser.get_by_role("link", name="Casuïstiekbespreking koppelen").click()
    pages.axe(organiser)
    organiser.get_by_label("Titel", exact=True).fill(CASE)
    organiser.get_by_label("Begintijd", exact=True).fill("16:45")
    organiser.get_by_label("Eindtijd", exact=True).fill("18:00")
    organiser.get_by_label(re.compile(r"^Pauze")).fill("0")
    case_text = organiser.get_by_label("Anonieme casus")
    case_text.fill("Jongen met BSN 111222333 woont sinds een jaar in een gezinshuis.")
    organiser.get_by_role("button", name="Opslaan als concept").click()
    # A BSN is refused in any field: the error summary takes focus (a screen reader reads
    # it) and the field shows what was found, highlighted, with a suggested text.
    summary = organiser.locator(".error-summary")
    summary.wait_for()
    assert "niet opgeslagen mogen worden" in summary.inner_text()
    organiser.wait_for_function(
        "document.activeElement && document.activeElement.classList.contains('error-summary')")
    refused = organiser.locator(".form-field--invalid", has=case_text)
    assert "111222333" in refused.locator(".guard-text").inner_text()
    assert "[BSN]" in refused.locator(".guard-suggestion").inner_text()
    pages.axe(organiser)
    screenshot(organiser, "guard-blocks-bsn")
    # A name is a finding to confirm on a case text.
    case_text.fill("Moeder Fatima wil dat haar zoon weer thuis komt wonen.")
    organiser.get_by_role("button", name="Opslaan als concept").click()
    findings = organiser.locator(".privacy-findings")
    findings.wait_for()
    assert "Fatima" in findings.inner_text()
    pages.axe(organiser)
    organiser.get_by_label("Ik heb de gemarkeerde gegevens gecontroleerd").check()
    organiser.get_by_role("button", name="Opslaan als concept").click()
    organiser.get_by_role("heading", name=CASE).wait_for()
    pages.axe(organiser)
    case_id = int(organiser.url.rstrip("/").rsplit("/", 1)[1])

    for event_id in (case_id, visit_id):
        organiser.goto(f"/activiteiten/{event_id}")
        organiser.get_by_role("button", name="Indienen bij de regio").click()
        organiser.locator(".alert").first.wait_for()
        pages.axe(organiser)

    # The Region reviews, publishes both and the year.
    regio = new_page()
    login(regio, base.regio_email, pages)
    regio.goto("/regio/beoordelen")
    pages.axe(regio)
    screenshot(regio, "review-queue")
    queue = regio.inner_text("main")
    assert VISIT in queue
    assert CASE in queue
    assert "Privacycontrole nodig" in queue
    for title in (CASE, VISIT):
        regio.goto("/regio/beoordelen")
        regio.get_by_role("link", name=title).click()
        pages.axe(regio)
        regio.get_by_role("button", name="Goedkeuren en publiceren").click()
        regio.locator(".alert--success").wait_for()
        pages.axe(regio)
    screenshot(regio, "event-published-admin")
    regio.goto("/regio/programma")
    pages.axe(regio)
    publish_year = regio.get_by_role("button", name=f"Jaarprogramma {visit_day.year} publiceren")
    if publish_year.count():
        publish_year.click()
        pages.axe(regio)

    # Invite the jeugdconsulenten.
    regio.goto(f"/activiteiten/{visit_id}")
    regio.get_by_role("link", name="Uitnodigen").click()
    pages.axe(regio)
    screenshot(regio, "invite-form")
    regio.get_by_label("jeugdconsulenten").check()
    regio.get_by_role("button", name="Uitnodigingen versturen").click()
    regio.wait_for_url("**/uitnodigingen/*")
    regio.get_by_text("3 van 3 verzonden, 0 wachtend").wait_for()
    pages.axe(regio)
    screenshot(regio, "invite-progress")
    invitations = {address: wait_for_mail(smtp_server, address, VISIT) for address in INVITED}
    assert not smtp_server.to("huisarts@example.org")

    # Each consulent follows the link in the invitation, logs in and registers.
    for address, mail in invitations.items():
        link = re.search(r"Bekijken en aanmelden: (\S+)", mail.text()).group(1)
        consulent = new_page()
        consulent.goto(link)
        pages.axe(consulent)
        consulent.get_by_role("link", name="Log in om je aan te melden").click()
        pages.axe(consulent)
        consulent.get_by_label("E-mailadres").fill(address)
        consulent.get_by_label("Wachtwoord", exact=True).fill(STAFF_PASSWORD)
        consulent.get_by_role("button", name="Inloggen").click()
        consulent.wait_for_url(f"**/activiteiten/{visit_id}")
        consulent.get_by_role("button", name="Aanmelden", exact=True).click()
        consulent.get_by_text("Je bent aangemeld.", exact=True).wait_for()
        pages.axe(consulent)
        consulent.context.close()

    # Three weeks later the visit has taken place. (Roll back first: this thread's session
    # may still hold a read snapshot from before the server's writes.)
    db.session.rollback()
    sessions = [(s.id, s.starts_at, s.ends_at) for s in db.session.scalars(
        select(EventSession).where(EventSession.event_id == visit_id))]
    db.session.commit()  # end the read: SQLite lets a transaction that starts by writing wait
    shift = (date.today() - timedelta(days=1)) - visit_day
    for session_id, starts_at, ends_at in sessions:
        db.session.execute(update(EventSession).where(EventSession.id == session_id)
                           .values(starts_at=starts_at + shift, ends_at=ends_at + shift))
    db.session.commit()

    # Attendance: everyone present, close, issue while the progress bar runs.
    regio.goto(f"/activiteiten/{visit_id}")
    regio.get_by_role("link", name="Presentie en bewijzen").click()
    pages.axe(regio)
    screenshot(regio, "attendance-sheet")
    regio.get_by_role("button", name="Iedereen aanwezig").click()
    regio.locator(".alert--success").wait_for()
    assert [s.input_value() for s in regio.locator("tbody select").all()] == ["aanwezig"] * 3
    pages.axe(regio)
    regio.get_by_role("button", name="Presentie afsluiten").click()
    regio.get_by_text("De presentie is afgesloten").first.wait_for()
    pages.axe(regio)
    regio.get_by_role("button", name="Alle bewijzen van deelname uitgeven").click()
    regio.wait_for_url("**/bewijzen/uitgifte/*")
    bar = regio.locator("progress")
    assert bar.get_attribute("value") == "0"
    assert bar.get_attribute("max") == "3"
    assert regio.get_by_role("status").inner_text() == "0 van 3 uitgegeven…"
    pages.axe(regio)
    screenshot(regio, "certificate-run-progress")
    regio.evaluate("window.stillThisPage = true")
    certificate_gate.set()
    regio.get_by_text("Klaar: 3 bewijzen uitgegeven en gemaild.").wait_for()
    assert regio.evaluate("window.stillThisPage === true"), "the page reloaded instead of updating"
    assert bar.get_attribute("value") == "3"
    pages.axe(regio)
    for address in INVITED:
        wait_for_mail(smtp_server, address, "bewijs van deelname")
    issued = db.session.scalars(select(Certificate).where(Certificate.event_id == visit_id)).all()
    assert len(issued) == 3
    assert db.session.get(Event, visit_id).attendance_closed_at is not None
