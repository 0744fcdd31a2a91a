"""Home, fixed pages and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from leerhuis.blueprints.redirects import safe_next
from leerhuis.blueprints.unit_of_work import unit_of_work
from leerhuis.services import accounts

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render_template("main/home.html")


@bp.get("/toegankelijkheidsverklaring")
def accessibility_statement():
    return render_template("main/toegankelijkheidsverklaring.html")


@bp.get("/privacyverklaring")
def privacy_statement():
    return render_template("main/privacyverklaring.html")


@bp.post("/taal/<lang>")
def switch_language(lang: str):
    if lang in ("nl", "en"):
        session["lang"] = lang
        if current_user.is_authenticated:
            with unit_of_work():
                accounts.choose_language(current_user._get_current_object(), lang)
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))
