"""Anonymous evaluations: the answer form (token link) and the results."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from leerhuis.blueprints.forms_common import strip_filter
from leerhuis.extensions import db
from leerhuis.models import Event
from leerhuis.permissions import region_admin_required
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from leerhuis.services import evaluations, programme

bp = Blueprint("evaluations", __name__)


class EvaluationForm(FlaskForm):
    grade = IntegerField(_l("Rapportcijfer (1–10)"), validators=[
        InputRequired(_l("Geef een cijfer.")), NumberRange(1, 10, _l("Geef een cijfer van 1 tot 10."))])
    usefulness = IntegerField(_l("Hoe bruikbaar voor je praktijk? (1 = niet, 5 = heel)"), validators=[
        InputRequired(_l("Geef een waardering.")), NumberRange(1, 5, _l("Kies 1 tot 5."))])
    do_differently = TextAreaField(_l("Wat ga je anders doen?"), filters=[strip_filter],
                                   validators=[Optional(), Length(max=3000)])
    suggestions = TextAreaField(_l("Suggesties voor het programma"), filters=[strip_filter],
                                validators=[Optional(), Length(max=3000)])


@bp.route("/evaluatie/<token>", methods=["GET", "POST"])
def answer(token: str):
    try:
        registration = evaluations.registration_for_token(token)
    except evaluations.EvaluationError as exc:
        return render_template("evaluations/closed.html", message=_(exc.message)), 400
    form = EvaluationForm()
    if form.validate_on_submit():
        evaluations.answer(token, grade=form.grade.data, usefulness=form.usefulness.data,
                           do_differently=form.do_differently.data or "",
                           suggestions=form.suggestions.data or "")
        db.session.commit()
        return render_template("evaluations/thanks.html")
    return render_template("evaluations/form.html", form=form, event=registration.event), (
        400 if form.errors else 200)


@bp.get("/activiteiten/<int:event_id>/evaluaties")
@login_required
def event_results(event_id: int):
    event = db.get_or_404(Event, event_id)
    if not (programme.is_organiser_of(current_user, event)
            or programme.is_region_admin_for(current_user, event)):
        abort(403)
    return render_template("evaluations/event.html", event=event, results=evaluations.results(event))


@bp.get("/regio/evaluaties")
@region_admin_required
def region_results():
    groupings = {"soort": _("Per soort activiteit"), "thema": _("Per thema"),
                 "organisator": _("Per organisator"), "jaar": _("Per jaar")}
    return render_template("evaluations/region.html", groupings=groupings, tables={
        key: evaluations.averages(current_user.region_id, key) for key in groupings})


@bp.get("/regio/evaluaties.csv")
@region_admin_required
def region_csv():
    return Response(evaluations.export_csv(current_user.region_id), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="evaluaties.csv"'})
