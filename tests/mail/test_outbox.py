"""The mail outbox: nothing is lost when the mail server is down."""

import email
import email.policy
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import MIGRATIONS, database_url_for, free_port, make_test_config
from flask_babel import lazy_gettext as _l
from flask_migrate import upgrade
from sqlalchemy import select

from leerhuis import create_app, tasks
from leerhuis.extensions import db
from leerhuis.models import (
    OutboxMessage,
    OutboxStatus,
    utcnow,
)
from leerhuis.services import accounts, outbox

SIGN_UP = {"email": "nieuw@example.org", "password": "een lange zin als wachtwoord",
           "password_repeat": "een lange zin als wachtwoord", "first_name": "Noor",
           "last_name": "Visser"}


def test_a_mail_server_that_is_down_delays_but_never_loses_mail(
        app, client, region, smtp, deliver_mail, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    assert client.post("/registreren", data=SIGN_UP).status_code == 200  # the action succeeds
    result = deliver_mail()
    assert result["retry"] == 1
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status is OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error
    assert row.next_attempt_at > utcnow()

    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)  # the server is back
    assert deliver_mail()["sent"] == 0  # still waiting for its backoff
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_mail()["sent"] == 1
    assert len(smtp.to("nieuw@example.org")) == 1
    assert row.status is OutboxStatus.SENT


def test_a_mail_that_keeps_failing_is_shown_to_the_region_and_can_be_resent(
        app, client, region, as_regio, deliver_mail, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    accounts.send_password_reset_mail("regio@example.org")
    db.session.commit()
    row = db.session.scalars(select(OutboxMessage)).one()
    for _ in range(2):
        row.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        deliver_mail()
    assert row.status is OutboxStatus.FAILED
    page = as_regio.get("/regio/mail?status=mislukt")
    assert row.subject in page.text
    as_regio.post(f"/regio/mail/{row.id}/opnieuw")
    db.session.expire_all()
    assert row.status is OutboxStatus.PENDING
    assert row.attempts == 0


def test_without_smtp_the_worker_writes_eml_files(app, region, deliver_mail):
    assert not accounts.send_password_reset_mail("niemand@example.org")  # unknown: no mail
    db.session.commit()
    assert deliver_mail()["sent"] == 0
    client_user = accounts.sign_up(accounts.SignUp(email="file@example.org",
                                                   password="een lange zin als wachtwoord",
                                                   first_name="F", last_name="E"), region)
    db.session.commit()
    assert deliver_mail()["sent"] == 1
    row = db.session.scalars(select(OutboxMessage)).one()
    path = Path(app.config["MAIL_FILE_DIR"]) / row.file_name
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["Subject"] == row.subject
    assert client_user.email in parsed["To"]


def test_mail_written_in_a_rolled_back_transaction_is_never_sent(region, deliver_mail):
    outbox.queue_message(outbox.build_message(to="x@example.org", subject="Weg", text="…"))
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert deliver_mail() == {"sent": 0, "retry": 0, "failed": 0}


@pytest.mark.no_rollback
def test_two_workers_deliver_each_message_once_without_locking_errors(tmp_path):
    """`make run` starts the worker with two threads: on SQLite they must neither send a
    message twice nor fail on the single write lock."""
    app = create_app(make_test_config(database_url_for(tmp_path, "outbox_threads"), tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        for n in range(40):
            message = email.message.EmailMessage()
            message["To"], message["From"] = f"p{n}@example.org", "leerhuis@example.org"
            message["Subject"] = f"Bericht {n}"
            message.set_content("Hallo")
            outbox.queue_message(message)
        db.session.commit()
    errors, sent = [], []

    def worker():
        try:
            with app.app_context():
                sent.append(tasks.deliver_outbox.call_local()["sent"])
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 40
    assert len(list(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))) == 40
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}
        db.session.remove()
        db.engine.dispose()


def _headers(raw: bytes) -> list[bytes]:
    """The header block of the message and of each part."""
    return [block.split(b"\r\n\r\n", 1)[0] for block in raw.split(b"\r\n--")]


def test_mail_to_an_ascii_address_has_ascii_headers_with_the_rest_encoded(
        app, region, smtp, deliver_mail):
    outbox.queue_message(outbox.build_message(
        to="noor@example.org", subject="Je bewijs – Café de Linde", text="Beste Noor,\n",
        html="<p>Beste Noor, " + "hier is je bewijs van deelname. " * 5 + "</p>",
        attachments=[outbox.Attachment("bewijs-ë.pdf", b"%PDF-1.7 bewijs", "application", "pdf")]))
    db.session.commit()
    assert deliver_mail()["sent"] == 1
    (mail,) = smtp.to("noor@example.org")
    assert all(block.isascii() for block in _headers(mail.raw))
    assert b"=?utf-8?" in _headers(mail.raw)[0]
    assert b"\r\nMIME-Version: 1.0\r\n" in mail.raw
    assert mail.raw.count(b"MIME-Version") == 1  # on the message, not on every part
    assert mail.subject == "Je bewijs – Café de Linde"
    assert mail.text() == "Beste Noor,\r\n"
    assert mail.html().count("bewijs van deelname") == 5
    (attachment,) = mail.message.iter_attachments()
    assert attachment.get_filename() == "bewijs-ë.pdf"
    assert attachment.get_content() == b"%PDF-1.7 bewijs"


def test_mail_to_an_address_that_is_not_ascii_goes_with_smtputf8_and_utf8_headers(
        app, region, smtp, deliver_mail):
    """Sign-up accepts joëlle@…; such an address goes over SMTPUTF8, and then the headers
    are UTF-8 as well: an encoded word is not allowed inside an address."""
    outbox.queue_message(outbox.build_message(to="joëlle@example.org", subject="Je bewijs – Café",
                                              text="Beste Joëlle,\n"))
    db.session.commit()
    assert deliver_mail()["sent"] == 1
    (mail,) = smtp.to("joëlle@example.org")
    assert "To: joëlle@example.org\r\n".encode() in mail.raw
    assert b"=?utf-8?" not in mail.raw
    assert mail.subject == "Je bewijs – Café"
    assert mail.text() == "Beste Joëlle,\r\n"


def test_names_and_long_subjects_are_encoded_within_the_line_limits(app, region, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_FROM",
                        "Régionaal Leerhuis Gooi en Vechtstreek – afdeling Jeugd en Gezin "
                        "<leerhuis@example.org>")
    subject = "Je bewijs van deelname: " + " – ".join(
        ["Gesprekstechnieken rond uithuisplaatsing"] * 3
    )
    row = outbox.queue_message(outbox.build_message(to="Noor Visser <noor@example.org>",
                                                    subject=subject, text="…"))
    headers = _headers(row.mime)[0]
    assert headers.isascii()
    assert max(map(len, headers.split(b"\r\n"))) <= 78
    parsed = email.message_from_bytes(row.mime, policy=email.policy.default)
    assert parsed["From"].addresses[0].display_name.startswith("Régionaal Leerhuis")
    assert parsed["Subject"] == subject
    assert row.recipient == "noor@example.org"
    # A name beside an address that is not ASCII: all UTF-8, as SMTPUTF8 has it.
    row = outbox.queue_message(outbox.build_message(to="Joëlle Visser <joëlle@example.org>",
                                                    subject=subject, text="…"))
    assert "To: Joëlle Visser <joëlle@example.org>\r\n".encode() in row.mime
    assert row.recipient == "joëlle@example.org"
    db.session.rollback()


def test_a_line_break_in_a_subject_stays_inside_the_subject(app, region):
    for title in ("Training\r\nBcc: iedereen@example.org", "Trainïng\nBcc: iedereen@example.org"):
        row = outbox.queue_message(outbox.build_message(to="noor@example.org",
                                                        subject=f"Je bewijs: {title}", text="…"))
        parsed = email.message_from_bytes(row.mime, policy=email.policy.default)
        assert parsed["Bcc"] is None
        assert parsed["Subject"] == f"Je bewijs: {title}".replace("\r\n", " ").replace("\n", " ")
    with pytest.raises(ValueError, match="ongeldig e-mailadres"):
        outbox.build_message(to="noor@example.org\r\nBcc: iedereen@example.org", subject="x",
                             text="…")
    lazy = outbox.build_message(to="noor@example.org", subject=_l("Je bewijs van deelname"),
                                text="…")
    assert str(lazy["Subject"]) == "Je bewijs van deelname"
    db.session.rollback()


# --- The Region's outbox page ------------------------------------------------------------


def test_the_outbox_pagination_keeps_the_status_filter(as_regio, regio_admin):
    for n in range(51):
        outbox.queue_template_mail("verify_email", to=regio_admin.email, user=regio_admin,
                                   subject=f"Bericht {n}", link="http://leerhuis.test/x")
    db.session.commit()
    page = as_regio.get("/regio/mail?status=wachtend").get_data(as_text=True)
    assert 'href="/regio/mail?page=2&amp;status=wachtend"' in page
