"""Polish users notice: translated labels instead of stored codes, pagination that keeps its
filters, a flash after every action, empty states, pages that print, and export links that say
when a file takes a while."""

from __future__ import annotations

import enum
import re
from datetime import datetime, timedelta

import pytest
from conftest import ROOT, make_certificate, make_event, make_user
from sqlalchemy import select

from leerhuis import labels
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    AuditEvent,
    CertificateStatus,
    Event,
    EventType,
    GroupType,
    KlankbordGroup,
    KlankbordMember,
    OrganisationType,
    OrganiserRole,
    Registration,
    RegistrationStatus,
    utcnow,
)

LEERHUIS = ROOT / "leerhuis"


# --- Labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("enum_class", list(labels.BY_ENUM), ids=lambda c: c.__name__)
def test_every_state_people_see_has_a_label(enum_class: type[enum.Enum]):
    missing = [m.value for m in enum_class if m.value not in labels.BY_ENUM[enum_class]]
    assert missing == [], f"{enum_class.__name__}: no label for {missing} in leerhuis/labels.py"


def test_every_audit_action_in_the_sources_has_a_label():
    recorded = set()
    pattern = re.compile(r'audit\.record\(\s*"([a-z_.]+)"(?:\s+if\s[^"]*else\s+"([a-z_.]+)")?')
    for path in LEERHUIS.rglob("*.py"):
        for match in pattern.finditer(path.read_text()):
            recorded.update(code for code in match.groups() if code)
    assert len(recorded) > 20  # the scan itself works
    missing = sorted(recorded - set(labels.AUDIT_ACTION))
    assert missing == [], f"add these audit actions to labels.AUDIT_ACTION: {missing}"


def test_no_template_prints_a_stored_code():
    """A state is shown with |label or a label table, never as ``{{ x.status.value }}``."""
    printed = re.compile(r"\{\{\s*[\w.]+\.(status|state|type|kind|category)\.value\s*\}\}")
    offenders = [f"{p.relative_to(LEERHUIS)}: {m.group(0)}" for p in (LEERHUIS / "templates").rglob("*.*")
                 for m in printed.finditer(p.read_text())]
    assert offenders == []


def test_label_falls_back_to_the_code_for_an_unknown_member():
    class Unknown(enum.Enum):
        X = "iets_nieuws"

    assert labels.label(Unknown.X) == "iets_nieuws"
    assert labels.label(None) == ""


def _english(client):
    client.post("/taal/en", data={"next": "/"})


def test_my_certificates_show_the_status_label_in_english(as_deelnemer, deelnemer):
    make_certificate(deelnemer, "Gesprekstechnieken", 10)
    make_certificate(deelnemer, "Veerkracht", 20, status=CertificateStatus.REVOKED, code="LH-REVOKED")
    db.session.commit()
    dutch = as_deelnemer.get("/mijn-leerhuis/bewijzen").get_data(as_text=True)
    assert "<td>geldig</td>" in dutch and "<td>ingetrokken</td>" in dutch
    _english(as_deelnemer)
    page = as_deelnemer.get("/mijn-leerhuis/bewijzen").get_data(as_text=True)
    assert "<td>valid</td>" in page and "<td>revoked</td>" in page
    assert "geldig" not in page and "ingetrokken" not in page


def test_the_outbox_shows_the_mail_status_in_the_readers_language(as_regio, regio_admin):
    from leerhuis.services import outbox

    outbox.queue_template_mail("verify_email", to=regio_admin.email, user=regio_admin,
                               subject="Test", link="http://leerhuis.test/x")
    db.session.commit()
    _english(as_regio)
    page = as_regio.get("/regio/mail").get_data(as_text=True)
    assert "<td>waiting to be sent" in page
    assert "<td>wachtend" not in page


def test_the_audit_log_reads_as_sentences(as_regio, regio_admin):
    db.session.add(AuditEvent(action="certificate.revoked", actor_id=regio_admin.id,
                              region_id=regio_admin.region_id, subject="certificate:LH-1",
                              details={}))
    db.session.commit()
    page = as_regio.get("/regio/audit").get_data(as_text=True)
    assert "bewijs van deelname ingetrokken" in page
    assert "certificate.revoked" not in page


# --- Pagination --------------------------------------------------------------------------


def test_my_certificates_are_paginated_newest_first(as_deelnemer, deelnemer):
    for day in range(1, 28):
        make_certificate(deelnemer, f"Activiteit {day:02d}", day)
    db.session.commit()
    first = as_deelnemer.get("/mijn-leerhuis/bewijzen").get_data(as_text=True)
    assert "Activiteit 01" in first and "Activiteit 25" in first and "Activiteit 26" not in first
    assert 'href="/mijn-leerhuis/bewijzen?page=2"' in first
    second = as_deelnemer.get("/mijn-leerhuis/bewijzen?page=2").get_data(as_text=True)
    assert "Activiteit 26" in second and "Activiteit 27" in second
    assert "Activiteit 01" not in second
    assert 'aria-current="page" href="/mijn-leerhuis/bewijzen?page=2"' in second


def test_the_participant_list_pages_and_keeps_waiting_list_places(as_organisator, region,
                                                                  provider):
    event = make_event(region, provider, title="Grote spiegelbijeenkomst", capacity=50, published_at=utcnow())
    start = utcnow() - timedelta(days=1)
    for n in range(53):
        user = make_user(region, f"deelnemer{n:02d}@example.org", first_name=f"Persoon{n:02d}",
                         last_name="Test")
        waiting = n >= 50
        db.session.add(Registration(
            event_id=event.id, user_id=user.id, consent_share_name=True,
            status=RegistrationStatus.WAITLISTED if waiting else RegistrationStatus.CONFIRMED,
            registered_at=start + timedelta(minutes=n),
            waitlisted_at=start + timedelta(minutes=n) if waiting else None))
    db.session.commit()
    url = f"/activiteiten/{event.id}/deelnemers"
    first = as_organisator.get(url).get_data(as_text=True)
    assert "53 aanmeldingen" in first
    assert f'href="{url}?page=2"' in first
    assert first.count("<tr><td>") == 50
    second = as_organisator.get(f"{url}?page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 3
    # Persoon52 joined the waiting list last: third in line, whatever page it is on.
    assert re.search(r"Persoon52 Test</td>.*?op de wachtlijst \(3\)", second, re.DOTALL)


def test_organiser_requests_are_paginated(as_regio, region, municipality_team):
    for n in range(23):
        user = make_user(region, f"aanvrager{n:02d}@example.org", first_name=f"Aanvrager{n:02d}",
                         last_name="Test")
        db.session.add(OrganiserRole(user=user, organisation=municipality_team,
                                     status=ApprovalStatus.REQUESTED,
                                     requested_at=utcnow() - timedelta(hours=100 - n)))
    db.session.commit()
    first = as_regio.get("/regio/aanvragen").get_data(as_text=True)
    assert "23 aanvragen wachten op een besluit." in first
    assert "Aanvrager00" in first and "Aanvrager19" in first and "Aanvrager20" not in first
    second = as_regio.get("/regio/aanvragen?page=2").get_data(as_text=True)
    assert "Aanvrager20" in second and "Aanvrager22" in second and "Aanvrager00" not in second


def test_the_organisers_event_list_is_paginated(as_organisator, region, provider):
    for n in range(52):
        make_event(region, provider, title=f"Training nummer {n:02d}", days_from_now=30 + n, published_at=utcnow())
    db.session.commit()
    first = as_organisator.get("/organiseren").get_data(as_text=True)
    assert 'href="/organiseren?page=2"' in first
    second = as_organisator.get("/organiseren?page=2").get_data(as_text=True)
    assert second.count("Training nummer") == 2


def test_the_outbox_pagination_keeps_the_status_filter(as_regio, regio_admin):
    from leerhuis.services import outbox

    for n in range(51):
        outbox.queue_template_mail("verify_email", to=regio_admin.email, user=regio_admin,
                                   subject=f"Bericht {n}", link="http://leerhuis.test/x")
    db.session.commit()
    page = as_regio.get("/regio/mail?status=wachtend").get_data(as_text=True)
    assert 'href="/regio/mail?page=2&amp;status=wachtend"' in page


def test_the_programme_prints_whole_with_its_filters(client, region, provider):
    # All in one programme year, a year ahead; plus one that the filter leaves out.
    for n in range(27):
        make_event(region, provider, title=f"Training nummer {n:02d}", days_from_now=430 + n, published_at=utcnow())
    make_event(region, provider, title="Werkbezoek gezinshuis", days_from_now=440, published_at=utcnow())
    db.session.commit()
    year = (utcnow() + timedelta(days=430)).year
    url = f"/programma/{region.slug}/{year}"
    page = client.get(f"{url}?q=Training").get_data(as_text=True)
    assert page.count('class="event-card"') == 25
    link = re.search(r'<a href="([^"]*afdrukken=1[^"]*)">Hele lijst afdrukken</a>', page)
    assert link and "q=Training" in link.group(1)
    printed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert printed.count('class="event-card"') == 27
    assert "Werkbezoek gezinshuis" not in printed
    assert 'class="pagination"' not in printed


# --- Flash messages and empty states ------------------------------------------------------


def test_removing_a_klankbordgroep_member_says_so(as_regio, region, deelnemer, municipality_team):
    group = KlankbordGroup(region_id=region.id, name="Klankbordgroep Zo thuis mogelijk",
                           type=GroupType.PARTNERS)
    db.session.add(group)
    db.session.flush()
    member = KlankbordMember(group_id=group.id, user_id=deelnemer.id,
                             organisation_id=municipality_team.id)
    db.session.add(member)
    db.session.commit()
    response = as_regio.post(f"/klankbordgroepen/leden/{member.id}/verwijderen",
                             follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sanne Jansen is geen lid meer van de groep." in page
    assert "Deze groep heeft nog geen leden." in page


def test_saving_an_event_confirms_it(as_organisator, provider):
    day = (utcnow() + timedelta(days=60)).date()
    data = {"type_id": str(db.session.scalars(select(EventType.id).where(
                EventType.code == "training")).one()),
            "organisation_id": str(provider.id), "title": "Veerkracht in gezinshuizen",
            "summary": "Wat helpt een gezinshuis door moeilijke tijden.",
            "sessions-0-date": day.isoformat(), "sessions-0-start": "13:30",
            "sessions-0-end": "16:30", "sessions-0-break_minutes": "0",
            "address": "Voorbeeldstraat 1", "postcode": "1271 AA", "city": "Huizen",
            "capacity": "15"}
    response = as_organisator.post("/activiteiten/nieuw", data=data, follow_redirects=True)
    assert "De activiteit is opgeslagen als concept." in response.get_data(as_text=True)
    event = db.session.scalars(select(Event).where(
        Event.title == "Veerkracht in gezinshuizen")).one()
    data["title"] = "Veerkracht in gezinshuizen en pleeggezinnen"
    response = as_organisator.post(f"/activiteiten/{event.id}/bewerken", data=data,
                                   follow_redirects=True)
    assert "De activiteit is opgeslagen als concept." in response.get_data(as_text=True)


def test_organisation_type_choices_come_from_the_one_label_table():
    assert labels.ORGANISATION_TYPE_LABELS[OrganisationType.VEILIG_THUIS] == "Veilig Thuis"
    assert all(isinstance(t, OrganisationType) for t in labels.ORGANISATION_TYPE_LABELS)


# --- Print and export --------------------------------------------------------------------


def test_the_attendance_sheet_prints_without_its_controls(as_organisator, region, provider):
    event = make_event(region, provider, title="Presentie training", published_at=utcnow())
    db.session.commit()
    page = as_organisator.get(f"/activiteiten/{event.id}/presentie").get_data(as_text=True)
    assert '<div class="no-print">\n<h2>Afsluiten en bewijzen uitgeven</h2>' in page
    assert 'class="print-only"' in page
    css = (LEERHUIS / "static" / "css" / "leerhuis.css").read_text()
    printed = css[css.index("@media print"):]
    for rule in (".no-print", ".site-header", "form button", "table-header-group",
                 "break-inside: avoid", ".print-only { display: block"):
        assert rule in printed, rule


def test_slow_exports_announce_that_the_file_is_being_prepared(as_regio):
    page = as_regio.get("/regio/overzichten/").get_data(as_text=True)
    slow = re.findall(r'<a href="[^"]*(presentie\.xlsx|overzichten\.(?:xlsx|pdf))[^"]*" '
                      r'data-preparing="Het bestand wordt samengesteld', page)
    assert sorted(slow) == ["overzichten.pdf", "overzichten.xlsx", "presentie.xlsx"]
    assert 'role="status" data-download-status' in page
    script = (LEERHUIS / "static" / "js" / "leerhuis.js").read_text()
    assert "a[data-preparing]" in script and "[data-download-status]" in script


def test_the_participant_list_says_until_when_an_offered_place_is_held(as_organisator, region,
                                                                       provider):
    from zoneinfo import ZoneInfo

    event = make_event(region, provider, title="Training met wachtlijst", capacity=1, published_at=utcnow())
    user = make_user(region, "aangeboden@example.org", first_name="Aan", last_name="Geboden")
    until = datetime(2026, 12, 3, 15, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    db.session.add(Registration(event_id=event.id, user_id=user.id, consent_share_name=True,
                                status=RegistrationStatus.OFFERED, registered_at=utcnow(),
                                offered_until=until))
    db.session.commit()
    page = as_organisator.get(f"/activiteiten/{event.id}/deelnemers").get_data(as_text=True)
    assert re.search(r"Aan Geboden</td>.*?plaats aangeboden \(tot [^)]*3 december 2026[^)]*15:30\)",
                     page, re.DOTALL), page
