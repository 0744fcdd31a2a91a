from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from leerhuis.blueprints.forms_common import GuardedForm, strip_filter
from leerhuis.services.free_text import CASE_TEXT


class EvaluationForm(GuardedForm, FlaskForm):
    # Names, dates and places are confirmed by the case guard in services/evaluations.py.
    guarded: ClassVar[dict[str, str]] = {"do_differently": CASE_TEXT, "suggestions": CASE_TEXT,
                                         "lesson": CASE_TEXT}

    grade = IntegerField(_l("Rapportcijfer (1–10)"), validators=[
        InputRequired(_l("Geef een cijfer.")),
        NumberRange(1, 10, _l("Geef een cijfer van 1 tot 10."))])
    usefulness = IntegerField(_l("Hoe bruikbaar is dit voor je praktijk? (1 = niet, 5 = heel)"),
                              validators=[InputRequired(_l("Geef een waardering.")),
                                          NumberRange(1, 5, _l("Kies 1 tot 5."))])
    do_differently = TextAreaField(_l("Wat ga je anders doen?"), filters=[strip_filter],
                                   validators=[Optional(), Length(max=3000)])
    suggestions = TextAreaField(_l("Suggesties voor het programma"), filters=[strip_filter],
                                validators=[Optional(), Length(max=3000)])
    lesson = TextAreaField(
        _l("Een les voor het register (niet verplicht): wat moeten collega's en de regio hiervan "
           "leren?"), filters=[strip_filter], validators=[Optional(), Length(max=3000)])
    privacy_confirmed = BooleanField(
        _l("Ik heb de gemarkeerde gegevens gecontroleerd: ze leiden niet naar een cliënt."))
