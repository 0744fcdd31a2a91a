"""Building mail messages: MIME parts and headers, SMTPUTF8 addresses, the templates with
their footer, in the recipient's language."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import SMTPUTF8
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import cast

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from leerhuis.models import User


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict = field(default_factory=dict)


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    alternatives: Sequence[Attachment] = (),
) -> Message:
    """A multipart message: text and HTML (plus e.g. text/calendar) as alternatives,
    files as attachments.

    Built with the standard library's compat32 MIME classes: the modern EmailMessage API
    parses and refolds every header of every part through its header registry, three times
    the cost (4.3 against 1.5 ms for a certificate mail, half the main process's CPU in a
    bulk run beside the PDFs). Header values go in encoded (RFC 2047/2231) unless an
    address needs SMTPUTF8, when they go as UTF-8, as that extension requires."""
    sender = current_app.config["MAIL_FROM"]
    utf8 = needs_smtputf8(sender, to)
    body: Message = MIMEMultipart("alternative", _subparts=[
        _text_part(text, "plain"),
        *([_text_part(html, "html")] if html is not None else []),
        *(_text_part(part.content.decode("utf-8"), part.subtype, part.params)
          for part in alternatives)])
    if len(body.get_payload()) == 1:
        body = cast(Message, body.get_payload(0))  # a multipart's parts are Messages
    msg = body
    if attachments:
        msg = MIMEMultipart("mixed", _subparts=[body, *map(_attachment_part, attachments)])
    for part in msg.walk():  # the classes give every part one; only the message needs it
        if part is not msg:
            del part["MIME-Version"]
    if utf8:
        # Decided once, here: queue_message serialises with the message's own policy.
        msg.policy = SMTPUTF8
    msg["From"] = _address_header("From", sender, utf8)
    msg["To"] = _address_header("To", to, utf8)
    # One line, whatever an organiser typed into a title: a line break would end the header.
    subject = re.sub(r"\s*[\r\n]+\s*", " ", str(subject))
    subject_value = (subject if utf8 or subject.isascii()
                     else Header(subject, "utf-8", header_name="Subject"))
    # compat32 takes a Header value here; typeshed allows only str.
    msg["Subject"] = subject_value  # type: ignore[assignment]
    msg["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].partition("@")[2] or "leerhuis.local"
    msg["Message-ID"] = make_msgid(domain=domain)
    return msg


def needs_smtputf8(sender: str, recipient: str) -> bool:
    """An address like joëlle@… is valid (sign-up accepts it) but can only be sent with
    SMTPUTF8, and then its headers are UTF-8 too; plain ASCII addresses go as ever."""
    return not (parseaddr(sender)[1] + parseaddr(recipient)[1]).isascii()


# UTF-8 text as 7bit or 8bit while its lines are short, as the modern API does; longer lines
# (HTML) as quoted-printable.
_UTF8_AS_IS, _UTF8_QP = Charset("utf-8"), Charset("utf-8")
# None is "no body encoding" (email.charset's own CHARSETS table uses it); typeshed says int.
_UTF8_AS_IS.body_encoding, _UTF8_QP.body_encoding = None, QP  # type: ignore[assignment]
MAX_PLAIN_LINE = 78


def _text_part(content: str, subtype: str, params: dict | None = None) -> MIMENonMultipart:
    short = all(len(line) <= MAX_PLAIN_LINE for line in content.encode().splitlines())
    part = MIMENonMultipart("text", subtype, charset="utf-8", **(params or {}))
    part.set_payload(content, _UTF8_AS_IS if short else _UTF8_QP)
    return part


def _attachment_part(attachment: Attachment) -> MIMEBase:
    part = MIMEBase(attachment.maintype, attachment.subtype, **attachment.params)
    part.set_payload(attachment.content)
    encode_base64(part)
    # A name that is not ASCII goes RFC 2231-encoded.
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def _address_header(header: str, address: str, utf8: bool) -> str:
    if "\r" in address or "\n" in address:
        raise ValueError(f"ongeldig e-mailadres: {address!r}")
    name, addr = parseaddr(address)
    if not name:
        return addr
    if utf8:
        local, _, domain = addr.rpartition("@")  # as parts: addr_spec= refuses UTF-8
        return str(Address(display_name=name, username=local, domain=domain))
    if name.isascii():
        return formataddr((name, addr))
    return f"{Header(name, 'utf-8', header_name=header).encode()} <{addr}>"


# Why the recipient gets each mail, in the footer of both parts: people trust (and do not
# report as spam) a mail that says where it comes from and why.
_BECAUSE_REGISTERED = _l("Je krijgt deze e-mail omdat je je hebt aangemeld voor een activiteit "
                         "van het Regionaal Leerhuis.")
MAIL_REASONS = {
    "account_exists": _l("Je krijgt deze e-mail omdat dit e-mailadres is gebruikt om een account "
                         "aan te maken bij het Regionaal Leerhuis."),
    "certificate_issued": _l("Je krijgt deze e-mail omdat je aanwezig was bij een activiteit van "
                             "het Regionaal Leerhuis."),
    "evaluation_invite": _l("Je krijgt deze e-mail omdat je hebt deelgenomen aan een activiteit "
                            "van het Regionaal Leerhuis. Invullen is anoniem en vrijwillig."),
    "event_published": _l("Je krijgt deze e-mail omdat je deze activiteit als organisator hebt "
                          "ingediend bij het Regionaal Leerhuis."),
    "event_returned": _l("Je krijgt deze e-mail omdat je deze activiteit als organisator hebt "
                         "ingediend bij het Regionaal Leerhuis."),
    "invitation": _l("Je krijgt deze e-mail omdat de regio je uitnodigt voor het Regionaal "
                     "Leerhuis. Je wordt alleen aangemeld als je dat zelf doet."),
    "invitation_cancel_attendee": _BECAUSE_REGISTERED,
    "invitation_event_cancelled": _BECAUSE_REGISTERED,
    "invitation_request": _BECAUSE_REGISTERED,
    "invitation_session_removed": _BECAUSE_REGISTERED,
    "invitation_update": _BECAUSE_REGISTERED,
    "organiser_decision": _l("Je krijgt deze e-mail omdat je hebt gevraagd organisator te worden "
                             "in het Regionaal Leerhuis."),
    "participant_message": _l("Je krijgt deze e-mail omdat je bent aangemeld voor deze activiteit; "
                              "de organisator stuurt dit bericht aan alle deelnemers."),
    "registration_cancelled": _BECAUSE_REGISTERED,
    "registration_offer_expired": _BECAUSE_REGISTERED,
    "registration_offered": _BECAUSE_REGISTERED,
    "registration_waitlisted": _BECAUSE_REGISTERED,
    "reminder": _BECAUSE_REGISTERED,
    "reset_password": _l("Je krijgt deze e-mail omdat er een nieuw wachtwoord is aangevraagd "
                         "voor dit e-mailadres. Was jij dat niet? Dan kun je deze e-mail negeren."),
    "verify_email": _l("Je krijgt deze e-mail omdat dit e-mailadres is gebruikt voor een account "
                       "bij het Regionaal Leerhuis. Was jij dat niet? Dan kun je deze e-mail "
                       "negeren."),
}
DEFAULT_MAIL_REASON = _l("Je krijgt deze e-mail van het Regionaal Leerhuis.")


def _leerhuis_name(user: User | None, context: dict) -> str:
    """The sender as the recipient knows it: the region's own Leerhuis name."""
    event = context.get("event")
    region = getattr(event, "region", None) or getattr(user, "region", None)
    return (region.leerhuis_name if region is not None and region.leerhuis_name
            else "Regionaal Leerhuis")


def build_template_message(
    template: str,
    *,
    to: str,
    subject: str,
    user: User | None = None,
    language: str | None = None,
    attachments: Sequence[Attachment] = (),
    alternatives: Sequence[Attachment] = (),
    **context,
) -> Message:
    """Render ``emails/<template>.txt`` and ``.html`` in the recipient's language.
    Both parts end with the same footer: the region's Leerhuis name and why this person
    gets the mail."""
    lang = language or (user.preferred_language if user is not None else "nl")
    footer = {"leerhuis_name": _leerhuis_name(user, context),
              "mail_reason": MAIL_REASONS.get(template, DEFAULT_MAIL_REASON)}
    with force_locale(lang):
        subject = str(subject)  # a lazy _l() subject is rendered in the recipient's language
        footer["mail_reason"] = str(footer["mail_reason"])
        text = render_template(f"emails/{template}.txt", user=user, **context)
        # "-- " is the signature separator mail clients recognise (and may fold away).
        text = (text.rstrip() + "\n\n-- \n"
                + render_template("emails/_footer.txt", **footer).strip() + "\n")
        html = render_template(f"emails/{template}.html", user=user, subject=subject,
                               **footer, **context)
    return build_message(
        to=to, subject=subject, text=text, html=html,
        attachments=attachments, alternatives=alternatives,
    )


def in_language_of(user: User | None, text) -> str:
    """A lazy ``_l()`` string in the recipient's language: a mail is read in the language of
    the person who gets it, not of the person whose action caused it."""
    with force_locale(user.preferred_language if user is not None else "nl"):
        return str(text)
