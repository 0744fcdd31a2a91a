from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from leerhuis.blueprints.forms_common import (
    GuardedForm,
    empty_to_none,
    one_line_filter,
    skj_number,
    strip_filter,
    to_choices,
)
from leerhuis.labels import ORGANISATION_TYPE_LABELS
from leerhuis.models import SkjKamer
from leerhuis.services.free_text import NO_IDENTIFIERS

REQUIRED = _l("Dit veld is verplicht.")
VALID_EMAIL = _l("Vul een geldig e-mailadres in, bijvoorbeeld naam@organisatie.nl.")

SKJ_KAMER_CHOICES = to_choices([
    ("", _l("Geen of onbekend")),
    (SkjKamer.JEUGD_EN_GEZINSPROFESSIONALS.value, _l("Jeugd- en gezinsprofessionals")),
    (SkjKamer.GEDRAGSWETENSCHAPPERS.value, _l("Gedragswetenschappers")),
    (SkjKamer.JEUGDZORGWERKERS.value, _l("Jeugdzorgwerkers (oude kamer)")),
])
LANGUAGE_CHOICES = to_choices([("nl", "Nederlands"), ("en", "English")])


def _coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ProfileFields:
    """Fields shared by sign-up and the profile page."""

    guarded: ClassVar[dict[str, str]] = {"first_name": NO_IDENTIFIERS, "last_name": NO_IDENTIFIERS,
               "function": NO_IDENTIFIERS}
    # SKJ numbers are 4 to 12 digits (validated as such); a BSN check would refuse about one
    # real 9-digit SKJ number in eleven.
    exempt: ClassVar[dict[str, str]] = {
        "skj_number": "digits only, validated as an SKJ registration number"}

    first_name = StringField(_l("Voornaam"), filters=[one_line_filter],
                             validators=[DataRequired(REQUIRED), Length(max=80)])
    last_name = StringField(_l("Achternaam"), filters=[one_line_filter],
                            validators=[DataRequired(REQUIRED), Length(max=120)])
    function = StringField(_l("Functie"), filters=[one_line_filter],
                           description=_l("Bijvoorbeeld jeugdconsulent, gezinsvoogd of huisarts."),
                           validators=[Optional(), Length(max=120)])
    organisation_id = SelectField(_l("Organisatie"), coerce=_coerce_optional_int,
                                  validators=[Optional()])
    municipality_id = SelectField(_l("Gemeente waar je werkt"), coerce=_coerce_optional_int,
                                  validators=[Optional()])
    # Invitations "to a doelgroep" reach the people who chose it here.
    target_group_id = SelectField(
        _l("Doelgroep"), coerce=_coerce_optional_int, validators=[Optional()],
        description=_l("Tot welke groep professionals reken je jezelf? Dan krijg je de "
                       "uitnodigingen die voor jouw groep bedoeld zijn."))
    skj_number = StringField(_l("SKJ-registratienummer"), filters=[strip_filter, empty_to_none],
                             description=_l("Alleen cijfers. Nodig voor geaccrediteerde "
                                            "activiteiten."),
                             validators=[Optional(), skj_number])
    # Optional() lets a blank answer through without checking the choice: the filter makes
    # "blank" mean the empty choice, never a stray "\r" that is no SkjKamer.
    skj_kamer = SelectField(_l("SKJ-kamer"), choices=SKJ_KAMER_CHOICES, filters=[strip_filter],
                            validators=[Optional()])
    preferred_language = SelectField(_l("Taal"), choices=LANGUAGE_CHOICES, default="nl")


class SignUpForm(ProfileFields, GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"email": "the account's own address",
                                        "password": "a password",
                                        "password_repeat": "a password"}

    email = EmailField(_l("E-mailadres"), filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Email(VALID_EMAIL), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"),
                             description=_l("Minstens 10 tekens. Een zin van een paar woorden "
                                            "werkt goed."),
                             validators=[DataRequired(REQUIRED)])
    password_repeat = PasswordField(_l("Herhaal wachtwoord"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("De wachtwoorden zijn niet gelijk."))])


class ProfileForm(ProfileFields, GuardedForm, FlaskForm):
    pass


class LoginForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"email": "the account's own address",
                                        "password": "a password"}

    email = EmailField(_l("E-mailadres"), filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Email(VALID_EMAIL)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat"))


class ForgotPasswordForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"email": "the account's own address"}

    email = EmailField(_l("E-mailadres"), filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Email(VALID_EMAIL)])


class ResetPasswordForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"password": "a password", "password_repeat": "a password"}

    password = PasswordField(_l("Nieuw wachtwoord"), validators=[DataRequired(REQUIRED)])
    password_repeat = PasswordField(_l("Herhaal nieuw wachtwoord"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("De wachtwoorden zijn niet gelijk."))])


class ChangePasswordForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {"current_password": "a password", "password": "a password",
              "password_repeat": "a password"}

    current_password = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[DataRequired(REQUIRED)])
    password_repeat = PasswordField(_l("Herhaal nieuw wachtwoord"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("De wachtwoorden zijn niet gelijk."))])




class OrganiserRequestForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"new_organisation_name": NO_IDENTIFIERS,
                                         "motivation": NO_IDENTIFIERS}

    organisation_id = SelectField(_l("Organisatie"), coerce=_coerce_optional_int,
                                  validators=[Optional()])
    new_organisation_name = StringField(
        _l("Of: naam van een nieuwe organisatie"), filters=[strip_filter],
        validators=[Optional(), Length(max=160)])
    new_organisation_type = SelectField(
        _l("Soort nieuwe organisatie"),
        choices=to_choices([("", _l("Kies een soort"))]
                           + [(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()]),
        filters=[strip_filter], validators=[Optional()])
    motivation = TextAreaField(_l("Toelichting voor de regio"), filters=[strip_filter],
                               validators=[Optional(), Length(max=2000)])
