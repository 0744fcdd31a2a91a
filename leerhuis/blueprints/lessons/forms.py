from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from leerhuis.blueprints.forms_common import GuardedForm, OneTimeFormMixin, strip_filter, to_choices
from leerhuis.blueprints.programme.forms import MultiCheckboxField
from leerhuis.services.free_text import CASE_TEXT, NO_IDENTIFIERS

SOURCES = [("spiegelbijeenkomst", _l("Spiegelbijeenkomst")),
           ("gesprek_jongeren_ouders", _l("Gesprek met jongeren en ouders")),
           ("klankbordgroep_ouders_jeugd", _l("Klankbordgroep ouders/jeugd")),
           ("casuistiekbespreking", _l("Casuïstiekbespreking")),
           ("evaluatie", _l("Evaluatie"))]
PHASES = [("preventie", _l("Preventie")), ("instroom", _l("Instroom")),
          ("stabilisatie", _l("Stabilisatie")), ("uitstroom", _l("Uitstroom"))]
KINDS = [("aandachtspunt", _l("Aandachtspunt")), ("positief_punt", _l("Positief punt"))]
FOLLOW_UP = [("open", _l("Open")), ("in_behandeling", _l("In behandeling")),
             ("verwerkt_in_agenda", _l("Verwerkt in de agenda")), ("afgewezen", _l("Afgewezen"))]
VISIBILITY = [("regio", _l("Alleen binnen de regio")),
              ("gedeeld", _l("Gedeeld met andere regio's"))]

LABELS = {"source": dict(SOURCES), "phase": dict(PHASES), "kind": dict(KINDS),
          "follow_up_status": dict(FOLLOW_UP), "visibility": dict(VISIBILITY),
          "status": {"concept": _l("concept"), "ter_beoordeling": _l("ter beoordeling"),
                     "gepubliceerd": _l("gepubliceerd"), "afgewezen": _l("afgewezen")}}


def _optional_int(value):
    return None if value in (None, "", "None") else int(value)


class LessonForm(GuardedForm, OneTimeFormMixin, FlaskForm):
    # The case texts are Lesson.TEXT_FIELDS, which services/lessons.py also guards for names.
    guarded: ClassVar[dict[str, str]] = {
        "title": CASE_TEXT, "wanted_differently": CASE_TEXT, "what_was_good": CASE_TEXT,
        "earlier_prevention": CASE_TEXT, "quote": CASE_TEXT,
        "follow_up_proposal": CASE_TEXT, "follow_up_owner": NO_IDENTIFIERS}

    title = StringField(_l("Korte titel"), filters=[strip_filter],
                        validators=[DataRequired(_l("Dit veld is verplicht.")), Length(max=200)])
    source = SelectField(_l("Bron"), choices=to_choices(SOURCES))
    kind = SelectField(_l("Soort les"), choices=to_choices(KINDS))
    phase = SelectField(_l("Fase"), choices=to_choices(PHASES))
    wanted_differently = TextAreaField(_l("Wat hadden zij anders gewild?"), filters=[strip_filter],
                                       validators=[Optional(), Length(max=5000)])
    what_was_good = TextAreaField(_l("Wat was goed?"), filters=[strip_filter],
                                  validators=[Optional(), Length(max=5000)])
    earlier_prevention = TextAreaField(
        _l("Wat had eerder gekund om de uithuisplaatsing te voorkomen?"), filters=[strip_filter],
        validators=[Optional(), Length(max=5000)])
    quote = TextAreaField(_l("Anoniem citaat (niet verplicht)"), filters=[strip_filter],
                          validators=[Optional(), Length(max=1000)])
    quote_consent = BooleanField(_l("De ervaringsdeskundige gaf toestemming voor dit citaat"))
    theme_ids = MultiCheckboxField(_l("Thema's"), coerce=int, validators=[Optional()])
    action_id = SelectField(_l("Hoort bij actie van de uitvoeringsagenda"), coerce=_optional_int,
                            validators=[Optional()])
    follow_up_proposal = TextAreaField(_l("Voorstel voor opvolging"), filters=[strip_filter],
                                       validators=[Optional(), Length(max=3000)])
    follow_up_owner = StringField(_l("Wie pakt het op"), filters=[strip_filter],
                                  validators=[Optional(), Length(max=160)])
    follow_up_status = SelectField(_l("Status opvolging"), choices=to_choices(FOLLOW_UP))
    visibility = SelectField(_l("Zichtbaarheid"), choices=to_choices(VISIBILITY))
    privacy_confirmed = BooleanField(
        _l("Ik heb de gemarkeerde gegevens gecontroleerd: ze leiden niet naar een cliënt."))
