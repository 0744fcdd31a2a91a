from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from leerhuis.blueprints.forms_common import empty_to_none, skj_number, strip_filter


class RegistrationForm(FlaskForm):
    skj_number = StringField(_l("SKJ-registratienummer"), filters=[strip_filter, empty_to_none],
                             description=_l("Nodig voor geaccrediteerde activiteiten."),
                             validators=[Optional(), skj_number])
    diet = StringField(_l("Dieetwensen"), filters=[strip_filter],
                       validators=[Optional(), Length(max=300)])
    accessibility_needs = TextAreaField(_l("Wat heb je nodig om goed mee te kunnen doen?"),
                                        filters=[strip_filter],
                                        validators=[Optional(), Length(max=2000)])
    consent_share_name = BooleanField(
        _l("De organisator mag mijn naam en organisatie zien op de deelnemerslijst."))


class AddParticipantForm(FlaskForm):
    email = StringField(_l("E-mailadres van het account"), filters=[strip_filter],
                        validators=[DataRequired(_l("Vul een e-mailadres in.")), Length(max=254)])


class MessageForm(FlaskForm):
    subject = StringField(_l("Onderwerp"), filters=[strip_filter],
                          validators=[DataRequired(_l("Vul een onderwerp in.")), Length(max=150)])
    body = TextAreaField(_l("Bericht"), filters=[strip_filter],
                         validators=[DataRequired(_l("Vul een bericht in.")), Length(max=5000)])
