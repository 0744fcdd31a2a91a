"""Accounts: sign-up, e-mail verification, login, password reset, profile, organiser request."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from leerhuis.blueprints.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    OrganiserRequestForm,
    ProfileForm,
    ResetPasswordForm,
    SignUpForm,
)
from leerhuis.blueprints.forms_common import to_choices
from leerhuis.blueprints.redirects import safe_next
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.extensions import configured_limit, db, limiter, write_transaction
from leerhuis.models import Organisation, OrganisationType, SkjKamer
from leerhuis.services import accounts, directory
from leerhuis.services.tokens import TokenError

bp = Blueprint("auth", __name__)

def _fill_profile_choices(form) -> None:
    form.organisation_id.choices = to_choices(directory.organisation_choices())
    form.municipality_id.choices = to_choices(directory.municipality_choices())
    form.target_group_id.choices = to_choices(directory.target_group_choices())


def _profile_data(user) -> dict:
    """The profile as plain form values (enums as their stored strings)."""
    return {
        "first_name": user.first_name, "last_name": user.last_name, "function": user.function,
        "organisation_id": user.organisation_id, "municipality_id": user.municipality_id,
        "target_group_id": user.target_group_id,
        "skj_number": user.skj_number, "skj_kamer": user.skj_kamer.value if user.skj_kamer else "",
        "preferred_language": user.preferred_language,
    }


@bp.route("/registreren", methods=["GET", "POST"])
@limiter.limit(configured_limit("sign_up"), methods=["POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignUpForm()
    _fill_profile_choices(form)
    if form.validate_on_submit():
        data = accounts.SignUp(
            email=form.email.data,
            password=form.password.data,
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            function=form.function.data or "",
            organisation_id=form.organisation_id.data,
            municipality_id=form.municipality_id.data,
            target_group_id=form.target_group_id.data,
            skj_number=form.skj_number.data,
            skj_kamer=SkjKamer(form.skj_kamer.data) if form.skj_kamer.data else None,
            preferred_language=form.preferred_language.data,
        )
        with unit_of_work(form) as work:
            accounts.sign_up(data, directory.region_for(data.municipality_id, data.organisation_id))
        if work.ok:
            return render_template("auth/sign_up_done.html", email=data.email)
    return render_template("auth/sign_up.html", form=form)


@bp.get("/bevestigen/<token>")
def verify_email(token: str):
    with write_transaction(), unit_of_work() as work:
        user = accounts.verify_email(token)
    if not work.ok:
        return _token_problem(work.error, resend=True)
    flash(_("Je e-mailadres is bevestigd. Je kunt nu inloggen."), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/bevestiging-opnieuw", methods=["GET", "POST"])
@limiter.limit(configured_limit("resend"), methods=["POST"])
def resend_verification():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(form):
            accounts.request_verification_mail(form.email.data)
        flash(_("Als dit adres bij ons bekend en nog niet bevestigd is, is er een nieuwe "
                "bevestigingslink verstuurd."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/resend_verification.html", form=form)


def _submitted_account() -> str:
    """The rate-limit key of a login attempt: the account it tries, as find_user_by_email
    matches it, so guessing one person's password from many addresses is limited too."""
    return "account:" + request.form.get("email", "").strip().lower()[:254]


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(configured_limit("login"), methods=["POST"])
@limiter.limit(configured_limit("login_account"), methods=["POST"], key_func=_submitted_account)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = accounts.log_in(form.email.data, form.password.data)
        if work.ok:
            # A fresh session at login: nothing from before the login carries over.
            session.clear()
            login_user(user, remember=form.remember.data)
            session["lang"] = user.preferred_language
            flash(_("Welkom, %(name)s.", name=user.first_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/uitloggen")
def logout():
    if current_user.is_authenticated:
        with unit_of_work():
            accounts.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("Je bent uitgelogd."), "info")
    return redirect(url_for("main.home"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(configured_limit("reset"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(form):
            accounts.request_password_reset(form.email.data)
        flash(_("Als er een account met dit adres bestaat, ontvang je binnen enkele minuten een "
                "e-mail met een link om een nieuw wachtwoord in te stellen."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    with unit_of_work() as work:
        accounts.user_for_reset_token(token)
    if not work.ok:
        return _token_problem(work.error, resend=False)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            accounts.reset_password(token, form.password.data)
        if work.ok:
            logout_user()
            flash(_("Je wachtwoord is gewijzigd. Log in met je nieuwe wachtwoord."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


def _token_problem(error: TokenError, *, resend: bool):
    return render_template("auth/token_problem.html", reason=error.reason,
                           message=error.message, resend=resend), 400


@bp.route("/profiel", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(data=_profile_data(current_user))
    _fill_profile_choices(form)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with unit_of_work(form):
            accounts.update_profile(user, accounts.Profile(
                first_name=form.first_name.data, last_name=form.last_name.data,
                function=form.function.data, organisation_id=form.organisation_id.data,
                municipality_id=form.municipality_id.data,
                target_group_id=form.target_group_id.data, skj_number=form.skj_number.data,
                skj_kamer=SkjKamer(form.skj_kamer.data) if form.skj_kamer.data else None,
                preferred_language=form.preferred_language.data))
        session["lang"] = user.preferred_language
        flash(_("Je profiel is opgeslagen."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form,
                           password_form=ChangePasswordForm(prefix="pw"))


@bp.post("/profiel/wachtwoord")
@login_required
def change_password():
    password_form = ChangePasswordForm(prefix="pw")
    user = current_user._get_current_object()
    if password_form.validate_on_submit():
        if not accounts.password_matches(user, password_form.current_password.data):
            password_form.current_password.errors.append(_("Dit is niet je huidige wachtwoord."))
        else:
            with unit_of_work(password_form) as work:
                accounts.set_password(user, password_form.password.data)
            if work.ok:
                login_user(user)  # the new session nonce ends all other sessions, not this one
                flash(_("Je wachtwoord is gewijzigd."), "success")
                return redirect(url_for("auth.profile"))
    form = ProfileForm(data=_profile_data(user), formdata=None)
    _fill_profile_choices(form)
    return render_template("auth/profile.html", form=form, password_form=password_form), 400


@bp.route("/organisator-worden", methods=["GET", "POST"])
@login_required
def request_organiser():
    form = OrganiserRequestForm()
    form.organisation_id.choices = to_choices(directory.organisation_choices())
    if form.validate_on_submit():
        organisation = (db.session.get(Organisation, form.organisation_id.data)
                        if form.organisation_id.data else None)
        if form.organisation_id.data and organisation is None:
            abort(400)
        with unit_of_work(form) as work:
            accounts.request_organiser_role(
                current_user._get_current_object(),
                organisation=organisation,
                new_organisation_name=form.new_organisation_name.data or "",
                new_organisation_type=(OrganisationType(form.new_organisation_type.data)
                                       if form.new_organisation_type.data else None),
                motivation=form.motivation.data or "",
            )
        if work.ok:
            flash(_("Je aanvraag is verstuurd. De regio beoordeelt hem zo snel mogelijk."),
                  "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/request_organiser.html", form=form)
