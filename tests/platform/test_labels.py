"""Labels, not stored codes: every state, audit action and choice people see has a translated
label, in the reader's language."""

from __future__ import annotations

import enum
import re

import pytest
from conftest import ROOT, make_certificate

from leerhuis import labels
from leerhuis.extensions import db
from leerhuis.models import (
    AuditEvent,
    CertificateStatus,
    OrganisationType,
)
from leerhuis.services import outbox

LEERHUIS = ROOT / "leerhuis"



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
    offenders = [
        f"{p.relative_to(LEERHUIS)}: {m.group(0)}"
        for p in (LEERHUIS / "templates").rglob("*.*")
        for m in printed.finditer(p.read_text())
    ]
    assert offenders == []



def test_label_falls_back_to_the_code_for_an_unknown_member():
    class Unknown(enum.Enum):
        X = "iets_nieuws"

    assert labels.label(Unknown.X) == "iets_nieuws"
    assert labels.label(None) == ""



def test_organisation_type_choices_come_from_the_one_label_table():
    assert labels.ORGANISATION_TYPE_LABELS[OrganisationType.VEILIG_THUIS] == "Veilig Thuis"
    assert all(isinstance(t, OrganisationType) for t in labels.ORGANISATION_TYPE_LABELS)



def _english(client):
    client.post("/taal/en", data={"next": "/"})



def test_my_certificates_show_the_status_label_in_english(as_deelnemer, deelnemer):
    make_certificate(deelnemer, "Gesprekstechnieken", 10)
    make_certificate(
        deelnemer, "Veerkracht", 20, status=CertificateStatus.REVOKED, code="LH-REVOKED"
    )
    db.session.commit()
    dutch = as_deelnemer.get("/mijn-leerhuis/bewijzen").get_data(as_text=True)
    assert "<td>geldig</td>" in dutch
    assert "<td>ingetrokken</td>" in dutch
    _english(as_deelnemer)
    page = as_deelnemer.get("/mijn-leerhuis/bewijzen").get_data(as_text=True)
    assert "<td>valid</td>" in page
    assert "<td>revoked</td>" in page
    assert "geldig" not in page
    assert "ingetrokken" not in page



def test_the_outbox_shows_the_mail_status_in_the_readers_language(as_regio, regio_admin):
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
