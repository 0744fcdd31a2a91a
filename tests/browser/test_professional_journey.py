"""Journey 1, keyboard only: a professional signs up, confirms the e-mail, finds a training
with the filters, registers, gets the calendar invitation, checks in with the code from the
screen, downloads the certificate and sees it in the SKJ overview."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from leerhuis.extensions import db
from leerhuis.models import EventType, Region, Theme, User, utcnow
from leerhuis.services import programme
from leerhuis.services.programme import EventInput, SessionInput

from .conftest import login, screenshot, tab_to, wait_for_mail, write_first

pytestmark = [pytest.mark.browser, pytest.mark.no_rollback]

EMAIL = "sanne.professional@example.org"
PASSWORD = "een lange zin als wachtwoord"
TRAINING = "Gesprekstechnieken bij uithuisplaatsing"


def _type_id(code: str) -> int:
    return db.session.scalars(select(EventType.id).where(EventType.code == code)).one()


@pytest.fixture
def training_starting_soon(base):
    """An accredited training that starts in 20 minutes (check-in opens 30 minutes before)
    and a werkbezoek the filters must leave out, in this year's published programme."""
    write_first()
    region = db.session.get(Region, base.region_id)
    regio = db.session.scalars(select(User).where(User.email == base.regio_email)).one()
    organisator = db.session.scalars(select(User).where(User.email == base.organisator_email)).one()
    starts = (utcnow() + timedelta(minutes=20)).replace(second=0, microsecond=0)
    theme = db.session.scalars(select(Theme).where(Theme.slug == "gesprekstechnieken")).one()
    training = programme.create_event(EventInput(
        type_id=_type_id("training"), title=TRAINING, organisation_id=base.provider_id,
        summary="Oefenen met moeilijke gesprekken over een uithuisplaatsing.",
        learning_goals="Je voert een slechtnieuwsgesprek met ouders.", trainer="Trainer Jeugd",
        sessions=[SessionInput(starts, starts + timedelta(minutes=30), 0)],
        address="Voorbeeldstraat 1", postcode="1211 AA", city="Hilversum", capacity=12,
        theme_ids=[theme.id], is_accredited=True, accreditation_number="SKJ-2027-0042",
        accreditation_points=Decimal("0.5")), by=organisator)
    visit = programme.create_event(EventInput(
        type_id=_type_id("werkbezoek"), title="Werkbezoek Gezinshuis De Linde",
        organisation_id=base.provider_id,
        sessions=[SessionInput(starts + timedelta(days=3), starts + timedelta(days=3, hours=2), 0)],
        address="Voorbeeldstraat 2", city="Huizen", capacity=10), by=organisator)
    for event in (training, visit):
        programme.publish(event, by=regio)
    programme.publish_programme_year(region, starts.year, by=regio)
    db.session.commit()
    return training


def test_a_professional_signs_up_registers_checks_in_and_gets_a_certificate_by_keyboard(
        new_page, pages, smtp_server, base, training_starting_soon):
    training_id = training_starting_soon.id
    page = new_page()
    keys = page.keyboard

    # Sign up, from the home page, with the keyboard only.
    page.goto("/")
    pages.axe(page)
    screenshot(page, "home")
    keys.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Direct naar de inhoud"
    keys.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    tab_to(page, "Account aanmaken")
    keys.press("Enter")
    page.wait_for_url("**/registreren")
    pages.axe(page)
    screenshot(page, "sign-up")
    tab_to(page, "E-mailadres")
    keys.type(EMAIL)
    tab_to(page, re.compile(r"^Wachtwoord"))
    keys.type(PASSWORD)
    tab_to(page, "Herhaal wachtwoord")
    keys.type(PASSWORD)
    tab_to(page, "Voornaam")
    keys.type("Sanne")
    tab_to(page, "Achternaam")
    keys.type("Visser")
    tab_to(page, "Functie")
    keys.type("jeugdconsulent")
    tab_to(page, "Organisatie")
    keys.type("Jeugdteam Hilversum")
    tab_to(page, "Gemeente")
    keys.type("Hilversum")
    tab_to(page, "SKJ-registratienummer")
    keys.type("100234567")
    tab_to(page, "Account aanmaken")
    keys.press("Enter")
    page.get_by_role("heading", name="Bevestig je e-mailadres").wait_for()
    pages.axe(page)

    # Confirm the address with the link from the mail that reached the SMTP server.
    mail = wait_for_mail(smtp_server, EMAIL, "Bevestig")
    link = re.search(r"https?://\S+/bevestigen/\S+", mail.text()).group(0)
    page.goto(link)
    page.wait_for_url("**/inloggen")
    pages.axe(page)
    assert "Je e-mailadres is bevestigd" in page.inner_text("main")
    tab_to(page, "E-mailadres")
    keys.type(EMAIL)
    tab_to(page, re.compile(r"^Wachtwoord"))
    keys.type(PASSWORD)
    keys.press("Enter")
    page.get_by_text("Welkom, Sanne.").wait_for()
    pages.axe(page)

    # Find the training with the filters.
    tab_to(page, "Programma")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/programma/gooi-en-vechtstreek/\d{4}"))
    pages.axe(page)
    screenshot(page, "programme")
    listing = page.locator("main")
    assert "Werkbezoek Gezinshuis De Linde" in listing.inner_text()
    tab_to(page, "Training")
    keys.press("Space")
    tab_to(page, "Alleen met plaatsen vrij")
    keys.press("Space")
    tab_to(page, "Filteren")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"soort=training"))
    pages.axe(page)
    assert TRAINING in listing.inner_text()
    assert "Werkbezoek Gezinshuis De Linde" not in listing.inner_text()
    tab_to(page, TRAINING)
    keys.press("Enter")
    page.wait_for_url(f"**/activiteiten/{training_id}")
    pages.axe(page)
    screenshot(page, "event-training")

    # Register: the SKJ number comes from the profile.
    tab_to(page, re.compile(r"^Aanmelden$"))
    keys.press("Enter")
    page.get_by_text("Je bent aangemeld.", exact=True).wait_for()
    pages.axe(page)
    invitation = wait_for_mail(smtp_server, EMAIL, TRAINING)
    calendar_parts = [part for part in invitation.message.walk()
                      if part.get_content_type() == "text/calendar"]
    assert calendar_parts
    assert all(part.get_param("method") == "REQUEST" for part in calendar_parts
                                  if part.get_content_disposition() != "attachment")
    ics = calendar_parts[0].get_content()
    assert "METHOD:REQUEST" in ics
    assert "BEGIN:VEVENT" in ics

    # The organiser shows the check-in code on the screen in the room.
    organiser = new_page()
    login(organiser, base.organisator_email, pages)
    organiser.goto(f"/activiteiten/{training_id}/presentie")
    pages.axe(organiser)
    code = organiser.locator(".checkin-code").first.inner_text().strip()
    checkin_path = organiser.locator(".checkin-codes a").first.inner_text().strip()

    # The professional types the address and the code.
    page.goto(checkin_path)
    pages.axe(page)
    screenshot(page, "checkin")
    tab_to(page, "Code")
    keys.type(code.lower())
    keys.press("Enter")
    page.get_by_text("Je bent ingecheckt. Welkom!").wait_for()
    pages.axe(page)

    # After the session the organiser closes attendance and issues the certificates.
    organiser.goto(f"/activiteiten/{training_id}/presentie")
    pages.axe(organiser)
    assert organiser.locator("select").first.input_value() == "aanwezig"
    organiser.get_by_role("button", name="Presentie afsluiten").click()
    organiser.get_by_text("De presentie is afgesloten").first.wait_for()
    pages.axe(organiser)
    organiser.get_by_role("button", name="Alle bewijzen van deelname uitgeven").click()
    organiser.get_by_text("Klaar: 1 bewijzen uitgegeven en gemaild.").wait_for()
    pages.axe(organiser)
    wait_for_mail(smtp_server, EMAIL, "Bewijs van deelname")

    # The professional downloads the certificate and finds it in the SKJ overview.
    page.goto("/mijn-leerhuis")
    pages.axe(page)
    screenshot(page, "my-leerhuis")
    tab_to(page, "Mijn bewijzen van deelname")
    keys.press("Enter")
    page.wait_for_url("**/mijn-leerhuis/bewijzen")
    pages.axe(page)
    screenshot(page, "my-certificates")
    tab_to(page, "PDF")
    with page.expect_download() as download_info:
        keys.press("Enter")
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    certificate_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Sanne Visser" in certificate_text
    assert "100234567" in certificate_text
    page.goto("/mijn-leerhuis")
    tab_to(page, "Mijn SKJ-overzicht")
    keys.press("Enter")
    page.wait_for_url("**/mijn-leerhuis/skj")
    pages.axe(page)
    screenshot(page, "skj-overview")
    overview = page.inner_text("main")
    assert TRAINING in overview
    assert "formeel leren (geaccrediteerd)" in overview
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", overview).group(0)
    assert code in certificate_text, "the SKJ overview lists the downloaded certificate"

    # The accessibility statement, from the footer.
    tab_to(page, "Toegankelijkheid")
    keys.press("Enter")
    page.wait_for_url("**/toegankelijkheidsverklaring")
    pages.axe(page)
    screenshot(page, "accessibility-statement")
    assert "WCAG 2.1" in page.inner_text("main")

