from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from leerhuis import page_cache
from leerhuis.blueprints.forms_common import GuardedForm, empty_to_none, skj_number, strip_filter
from leerhuis.services.free_text import NO_IDENTIFIERS


class RegistrationForm(GuardedForm, FlaskForm):
    """Registering oneself: function and municipality come prefilled from the profile and
    may be corrected for this registration (the organiser's list shows what is entered)."""

    guarded: ClassVar[dict[str, str]] = {"function": NO_IDENTIFIERS, "diet": NO_IDENTIFIERS,
               "accessibility_needs": NO_IDENTIFIERS}
    exempt: ClassVar[dict[str, str]] = {
        "skj_number": "digits only, validated as an SKJ registration number"}

    function = StringField(_l("Functie"), filters=[strip_filter],
                           validators=[Optional(), Length(max=120)])
    municipality_name = SelectField(_l("Gemeente waar je werkt"), validators=[Optional()])
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

    def __init__(self, *args, **kwargs):
        user = current_user
        if user.is_authenticated:
            kwargs.setdefault("function", user.function)
            kwargs.setdefault("municipality_name",
                              user.municipality.name if user.municipality else "")
        super().__init__(*args, **kwargs)
        names = list(page_cache.remembered(
            ("municipality_names", user.region_id),
            lambda: [m.name for m in user.region.municipalities])
        ) if user.is_authenticated and user.region_id else []
        own = user.municipality.name if user.is_authenticated and user.municipality else ""
        if own and own not in names:
            names.append(own)  # a profile municipality of another region stays valid
        self.municipality_name.choices = [("", _l("Geen of onbekend"))] + [(n, n) for n in names]


class AddParticipantForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"email": "looks up the account of a professional"}

    email = StringField(_l("E-mailadres van het account"), filters=[strip_filter],
                        validators=[DataRequired(_l("Vul een e-mailadres in.")), Length(max=254)])


class MessageForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"subject": NO_IDENTIFIERS, "body": NO_IDENTIFIERS}

    subject = StringField(_l("Onderwerp"), filters=[strip_filter],
                          validators=[DataRequired(_l("Vul een onderwerp in.")), Length(max=150)])
    body = TextAreaField(_l("Bericht"), filters=[strip_filter],
                         validators=[DataRequired(_l("Vul een bericht in.")), Length(max=5000)])
