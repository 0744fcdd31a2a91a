from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from leerhuis.blueprints.forms_common import GuardedForm, OneTimeFormMixin, strip_filter, to_choices
from leerhuis.services.free_text import NO_IDENTIFIERS

REQUIRED = _l("Dit veld is verplicht.")


class MemberForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"email": "looks up the account of a professional"}

    email = StringField(_l("E-mailadres van het nieuwe lid"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=254)])


class MeetingForm(GuardedForm, OneTimeFormMixin, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"place": NO_IDENTIFIERS}

    day = DateField(_l("Datum"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("Begintijd"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("Eindtijd"), validators=[InputRequired(REQUIRED)])
    place = StringField(_l("Plaats en adres"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=200)])


class AgendaItemForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"title": NO_IDENTIFIERS}

    title = StringField(_l("Agendapunt"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=200)])


class MinutesForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"minutes": NO_IDENTIFIERS, "decisions": NO_IDENTIFIERS}

    minutes = TextAreaField(_l("Verslag"), filters=[strip_filter],
                            validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField(_l("Besluiten"), filters=[strip_filter],
                              validators=[Optional(), Length(max=10000)])


class ActionItemForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"title": NO_IDENTIFIERS, "owner": NO_IDENTIFIERS}

    title = StringField(_l("Actiepunt"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=300)])
    owner = StringField(_l("Wie"), filters=[strip_filter], validators=[Optional(), Length(max=160)])
    due_date = DateField(_l("Uiterlijk"), validators=[Optional()])


class DocumentForm(FlaskForm):
    document = FileField(_l("Document (PDF, DOCX of XLSX, max. 10 MB)"),
                         validators=[FileRequired(_l("Kies een bestand."))])


class ProgressForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"text": NO_IDENTIFIERS}

    text = TextAreaField(_l("Voortgang"), filters=[strip_filter],
                         validators=[DataRequired(REQUIRED), Length(max=10000)])


GROUP_TYPES = [("partners", _l("Partners Zo thuis mogelijk opgroeien")),
               ("ambtelijk", _l("Ambtelijk")), ("ouders_jeugd", _l("Ouders en jeugd"))]
ACTION_STATUSES = [("open", _l("open")), ("in_behandeling", _l("in behandeling")),
                   ("afgerond", _l("afgerond"))]


class GroupForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"name": NO_IDENTIFIERS, "description": NO_IDENTIFIERS}
    exempt: ClassVar[dict[str, str]] = {"chair_email": "looks up the account of the chair"}

    name = StringField(_l("Naam"), filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Length(max=160)])
    type = SelectField(_l("Soort klankbordgroep"), choices=to_choices(GROUP_TYPES))
    chair_email = StringField(_l("E-mailadres van de voorzitter (niet verplicht)"),
                              filters=[strip_filter], validators=[Optional(), Length(max=254)])
    meetings_per_year = IntegerField(_l("Bijeenkomsten per jaar"), default=2, validators=[
        InputRequired(REQUIRED), NumberRange(1, 12, _l("Kies 1 tot 12 bijeenkomsten per jaar."))])
    description = TextAreaField(_l("Doel en samenstelling"), filters=[strip_filter],
                                validators=[Optional(), Length(max=3000)])


class ActionStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=to_choices(ACTION_STATUSES))


class AgendaActionForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"title": NO_IDENTIFIERS, "measures": NO_IDENTIFIERS}

    number = IntegerField(_l("Nummer"), validators=[
        InputRequired(REQUIRED), NumberRange(1, 99, _l("Kies een nummer van 1 tot 99."))])
    title = StringField(_l("Titel"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=200)])
    measures = TextAreaField(_l("Maatregelen (één per regel)"), filters=[strip_filter],
                             validators=[Optional(), Length(max=5000)])
