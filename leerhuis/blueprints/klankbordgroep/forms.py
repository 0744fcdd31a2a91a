from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from leerhuis.blueprints.forms_common import strip_filter, to_choices

REQUIRED = _l("Dit veld is verplicht.")


class MemberForm(FlaskForm):
    email = StringField(_l("E-mailadres van het nieuwe lid"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=254)])


class MeetingForm(FlaskForm):
    day = DateField(_l("Datum"), validators=[InputRequired(REQUIRED)])
    start = TimeField(_l("Begintijd"), validators=[InputRequired(REQUIRED)])
    end = TimeField(_l("Eindtijd"), validators=[InputRequired(REQUIRED)])
    place = StringField(_l("Plaats en adres"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=200)])


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Agendapunt"), filters=[strip_filter],
                        validators=[DataRequired(REQUIRED), Length(max=200)])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Verslag"), filters=[strip_filter], validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField(_l("Besluiten"), filters=[strip_filter], validators=[Optional(), Length(max=10000)])


class ActionItemForm(FlaskForm):
    title = StringField(_l("Actiepunt"), filters=[strip_filter], validators=[DataRequired(REQUIRED), Length(max=300)])
    owner = StringField(_l("Wie"), filters=[strip_filter], validators=[Optional(), Length(max=160)])
    due_date = DateField(_l("Uiterlijk"), validators=[Optional()])


class DocumentForm(FlaskForm):
    document = FileField(_l("Document (PDF, DOCX of XLSX, max. 10 MB)"),
                         validators=[FileRequired(_l("Kies een bestand."))])


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("Voortgang"), filters=[strip_filter],
                         validators=[DataRequired(REQUIRED), Length(max=10000)])
