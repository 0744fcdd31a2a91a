"""Accounts: sign-up with e-mail verification, login, password reset, organiser roles.

Rules enforced here:
- an e-mail address belongs to one account, whatever its case;
- passwords are hashed with Argon2id; a login never tells whether an address exists, nor
  does sign-up (the owner of a known address gets a mail instead) or a reset request (the
  address is looked up by the background worker, so the request costs the same either way);
- a password has at least MIN_PASSWORD_LENGTH characters and zxcvbn scores it at least
  MIN_PASSWORD_SCORE, with the person's own address and name counting as easy guesses
  (NCSC/NIST: length and a check against common and guessable passwords, no composition
  rules);
- a reset link is signed, expires (RESET_TOKEN_MAX_AGE_SECONDS) and works once: it
  carries a fingerprint of the current password hash, which the reset changes;
- logging out ends every session and remember-me cookie of the user, as a password
  change does;
- becoming organisator for an organisation is a request the Region approves or denies.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from leerhuis import background
from leerhuis.errors import DomainError
from leerhuis.extensions import db
from leerhuis.models import (
    ApprovalStatus,
    Organisation,
    OrganisationType,
    OrganiserRole,
    Region,
    SkjKamer,
    User,
    utcnow,
)
from leerhuis.services import audit, outbox
from leerhuis.services.links import external_url
from leerhuis.services.tokens import TokenError, make_token, read_token

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown address as slow as a real one.
_DUMMY_HASH = _hasher.hash("leerhuis-timing-equaliser")


class AccountError(DomainError):
    """A rule about accounts and roles was broken."""


MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses and more
# zxcvbn's time grows with the length; what makes a longer password weak shows in its start.
ZXCVBN_MAX_LENGTH = 100

# Why zxcvbn found a password guessable, by the kind of its weakest part, in Dutch (zxcvbn's
# own feedback is English).
_WEAKNESS_HINTS = {
    "user_inputs": _l("het lijkt op je naam of e-mailadres."),
    "passwords": _l("dit wachtwoord, of een dat erop lijkt, wordt veel gebruikt."),
    "spatial": _l("rijen toetsen zoals qwerty zijn makkelijk te raden."),
    "repeat": _l("herhalingen en reeksen zoals aaa of 1234 zijn makkelijk te raden."),
    "sequence": _l("herhalingen en reeksen zoals aaa of 1234 zijn makkelijk te raden."),
    "date": _l("jaartallen en datums zijn makkelijk te raden."),
    "regex": _l("jaartallen en datums zijn makkelijk te raden."),
}
_GENERAL_HINT = _l("een zin van een paar ongewone woorden is sterk en goed te onthouden.")


def check_password_strength(password: str, *, email: str = "", names: tuple[str, ...] = ()) -> None:
    """Refuse a password that is short or easy to guess (AccountError on ``password``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Kies een wachtwoord van minstens %(count)d tekens.",
                             count=MIN_PASSWORD_LENGTH), field="password")
    names = tuple(name for name in names if name)
    user_inputs = [value for value in (email, email.partition("@")[0], *names,
                                       " ".join(names), "".join(names)) if value]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=user_inputs)
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    kinds = [match.get("dictionary_name") if match["pattern"] == "dictionary" else match["pattern"]
             for match in result["sequence"]]
    hint = next((_WEAKNESS_HINTS[kind] for kind in _WEAKNESS_HINTS if kind in kinds),
                _GENERAL_HINT)
    raise AccountError(_("Kies een sterker wachtwoord: %(hint)s", hint=hint), field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()


@dataclass
class SignUp:
    email: str
    password: str
    first_name: str
    last_name: str
    function: str = ""
    organisation_id: int | None = None
    municipality_id: int | None = None
    target_group_id: int | None = None
    skj_number: str | None = None
    skj_kamer: SkjKamer | None = None
    preferred_language: str = "nl"


@dataclass
class Profile:
    first_name: str
    last_name: str
    function: str
    organisation_id: int | None
    municipality_id: int | None
    target_group_id: int | None
    skj_number: str | None
    skj_kamer: SkjKamer | None
    preferred_language: str


def update_profile(user: User, profile: Profile) -> None:
    """A person keeps their own profile; the address and password change elsewhere."""
    for name, value in vars(profile).items():
        setattr(user, name, value)


def choose_language(user: User, language: str) -> None:
    """The language of the person's pages and of the mails they get."""
    user.preferred_language = language


def sign_up(data: SignUp, region: Region) -> User | None:
    """Create an unverified account and queue the verification mail. For an address that
    has an account already, nothing is created and its owner is told by mail: the person
    signing up sees the same page either way, so sign-up does not reveal who has an
    account. The password is hashed in both cases, so both take as long."""
    check_password_strength(data.password, email=data.email,
                            names=(data.first_name, data.last_name))
    password_hash = hash_password(data.password)
    existing = find_user_by_email(data.email)
    if existing is not None:
        outbox.queue_template_mail(
            "account_exists",
            to=existing.email,
            subject=_l("Je hebt al een account bij het Regionaal Leerhuis"),
            user=existing,
            link=external_url("auth.forgot_password"),
        )
        return None
    user = User(
        email=data.email,
        password_hash=password_hash,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        function=data.function.strip(),
        organisation_id=data.organisation_id,
        municipality_id=data.municipality_id,
        target_group_id=data.target_group_id,
        region_id=region.id,
        skj_number=data.skj_number or None,
        skj_kamer=data.skj_kamer,
        preferred_language=data.preferred_language,
        session_nonce=secrets.token_hex(8),
    )
    db.session.add(user)
    db.session.flush()
    send_verification_mail(user)
    return user


def send_verification_mail(user: User) -> None:
    token = make_token("verify-email", {"uid": user.id, "email": user.email})
    outbox.queue_template_mail(
        "verify_email",
        to=user.email,
        subject=_l("Bevestig je e-mailadres voor het Regionaal Leerhuis"),
        user=user,
        link=external_url("auth.verify_email", token=token),
    )


def verify_email(token: str) -> User:
    data = read_token("verify-email", token, current_app.config["TOKEN_MAX_AGE_SECONDS"])
    user = db.session.get(User, data.get("uid", 0))
    if user is None or user.email != data.get("email"):
        raise TokenError("invalid")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None, without revealing which part was wrong."""
    user = find_user_by_email(email)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    if not password_matches(user, password) or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def log_in(email: str, password: str) -> User:
    """The account for these credentials, if its address is confirmed: a person logs in
    only after confirming it."""
    user = authenticate(email, password)
    if user is None:
        raise AccountError(_("Het e-mailadres of wachtwoord klopt niet."), field="password")
    if not user.is_verified:
        raise AccountError(_("Bevestig eerst je e-mailadres met de link uit de e-mail die we "
                             "je stuurden."), field="email")
    return user


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def request_password_reset(email: str) -> None:
    """Have the worker send a reset mail if the address is known, once this transaction
    commits. The request itself does the same for every address (no look-up, no mail), so
    neither its answer nor its duration tells whether the address has an account. (A queue
    that is down loses the request; the person can ask again.)"""
    background.after_commit("send_password_reset", email.strip())


def request_verification_mail(email: str) -> None:
    """Have the worker send a new verification link if the address has an account that is
    not verified yet; like a reset request, the same for every address."""
    background.after_commit("send_verification_again", email.strip())


def send_verification_again(email: str) -> bool:
    """The worker's half of ``request_verification_mail``. Returns whether it sent one."""
    user = find_user_by_email(email)
    if user is None or user.is_verified:
        return False
    send_verification_mail(user)
    return True


def send_password_reset_mail(email: str) -> bool:
    """The worker's half of a reset request: queue the reset mail if the address belongs to
    an active account. Returns whether it did."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return False
    token = make_token("reset-password", {"uid": user.id, "fp": _password_fingerprint(user)})
    outbox.queue_template_mail(
        "reset_password",
        to=user.email,
        subject=_l("Nieuw wachtwoord instellen"),
        user=user,
        link=external_url("auth.reset_password", token=token),
        hours=current_app.config["RESET_TOKEN_MAX_AGE_SECONDS"] // 3600,
    )
    return True


def user_for_reset_token(token: str) -> User:
    data = read_token("reset-password", token, current_app.config["RESET_TOKEN_MAX_AGE_SECONDS"])
    user = db.session.get(User, data.get("uid", 0))
    if user is None:
        raise TokenError("invalid")
    if data.get("fp") != _password_fingerprint(user):
        raise TokenError("used")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    set_password(user, new_password)
    # Following the link proves the address too.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def set_password(user: User, new_password: str) -> None:
    """A strong enough password (``check_password_strength``) gets a new hash and a new
    session nonce: every other session of this user ends."""
    check_password_strength(new_password, email=user.email,
                            names=(user.first_name, user.last_name))
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere: every session and remember-me cookie carries the
    session nonce (``User.get_id``), so a new nonce makes all of them worthless, also a
    cookie copied before the logout."""
    user.session_nonce = secrets.token_hex(8)


def request_organiser_role(
    user: User,
    *,
    organisation: Organisation | None = None,
    new_organisation_name: str = "",
    new_organisation_type: OrganisationType | None = None,
    motivation: str = "",
) -> OrganiserRole:
    """Ask to organise for an existing organisation, or for a new one the Region must approve."""
    if organisation is None:
        if not new_organisation_name.strip() or new_organisation_type is None:
            raise AccountError(_("Kies een organisatie of geef naam en soort van een nieuwe op."),
                               field="organisation_id")
        organisation = Organisation(
            name=new_organisation_name.strip(),
            type=new_organisation_type,
            region_id=user.region_id,
            status=ApprovalStatus.REQUESTED,
        )
        db.session.add(organisation)
        db.session.flush()
    existing = db.session.scalars(
        select(OrganiserRole).where(OrganiserRole.user_id == user.id,
                                    OrganiserRole.organisation_id == organisation.id)
    ).first()
    if existing is not None and existing.status is not ApprovalStatus.DENIED:
        raise AccountError(_("Je hebt voor deze organisatie al een aanvraag of rol."),
                           field="organisation_id")
    role = existing or OrganiserRole(user_id=user.id, organisation_id=organisation.id)
    role.status = ApprovalStatus.REQUESTED
    role.motivation = motivation.strip()
    role.requested_at = utcnow()
    role.decided_at = None
    role.decided_by_id = None
    role.decision_reason = ""
    db.session.add(role)
    db.session.flush()
    return role


def decide_organiser_role(role: OrganiserRole, *, approve: bool, by: User,
                          reason: str = "") -> None:
    """The Region's decision; approving also approves a newly proposed organisation."""
    if role.status is not ApprovalStatus.REQUESTED:
        raise AccountError(_("Over deze aanvraag is al besloten."))
    if not approve and not reason.strip():
        raise AccountError(_("Geef een reden op bij een afwijzing."), field="reason")
    role.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
    role.decided_at = utcnow()
    role.decided_by_id = by.id
    role.decision_reason = reason.strip()
    if approve and role.organisation.status is ApprovalStatus.REQUESTED:
        role.organisation.status = ApprovalStatus.APPROVED
    audit.record(
        "organiser_role.approved" if approve else "organiser_role.denied",
        actor=by, subject=f"user:{role.user_id}",
        organisation_id=role.organisation_id, reason=role.decision_reason,
    )
    user = role.user
    outbox.queue_template_mail(
        "organiser_decision",
        to=user.email,
        subject=_l("Besluit over je aanvraag als organisator"),
        user=user, role=role, approved=approve,
        link=external_url("main.home"),
    )


def decide_organisation(organisation: Organisation, *, approve: bool, by: User) -> None:
    organisation.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
    audit.record("organisation.approved" if approve else "organisation.denied", actor=by,
                 subject=f"organisation:{organisation.id}")


