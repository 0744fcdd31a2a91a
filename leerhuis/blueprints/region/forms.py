from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from leerhuis.blueprints.forms_common import GuardedForm, strip_filter, to_choices
from leerhuis.models import SkjCategory
from leerhuis.services.event_types import EventTypeInput
from leerhuis.services.free_text import NO_IDENTIFIERS


class DecisionForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"reason": NO_IDENTIFIERS}
    exempt: ClassVar[dict[str, str]] = {"decision": "approve or deny (AnyOf)"}

    decision = HiddenField(validators=[AnyOf(["approve", "deny"])])
    reason = TextAreaField(_l("Reden (verplicht bij afwijzen)"), filters=[strip_filter],
                           validators=[Optional(), Length(max=2000)])


class EmptyForm(FlaskForm):
    """A POST with nothing but its CSRF token."""


SKJ_CATEGORY_LABELS = {
    SkjCategory.INFORMEEL.value: _l("Informeel leren / vrije ruimte"),
    SkjCategory.REFLECTIE.value: _l("Reflectie (intervisie, supervisie)"),
    SkjCategory.GEEN.value: _l("Telt niet voor SKJ"),
}
SKJ_CATEGORY_CHOICES = to_choices(list(SKJ_CATEGORY_LABELS.items()))


class EventTypeForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"code": NO_IDENTIFIERS, "name_nl": NO_IDENTIFIERS,
                                         "name_en": NO_IDENTIFIERS}

    code = StringField(_l("Code"), filters=[strip_filter],
                       description=_l("Kleine letters, cijfers en streepjes; staat in filters, "
                                      "de API en de agenda-feed. Bijvoorbeeld: supervisie."),
                       validators=[DataRequired(_l("Geef een code.")), Length(max=40)])
    name_nl = StringField(_l("Naam (Nederlands)"), filters=[strip_filter],
                          validators=[DataRequired(_l("Geef de Nederlandse naam.")),
                                      Length(max=80)])
    name_en = StringField(_l("Naam (Engels)"), filters=[strip_filter],
                          validators=[DataRequired(_l("Geef de Engelse naam.")), Length(max=80)])
    issues_certificate = BooleanField(_l("Deelnemers krijgen een bewijs van deelname"),
                                      default=True)
    skj_category = SelectField(_l("Hoe telt het voor SKJ (als het niet geaccrediteerd is)?"),
                               choices=SKJ_CATEGORY_CHOICES, default=SkjCategory.INFORMEEL.value)
    handles_cases = BooleanField(
        _l("Hier worden casussen besproken"),
        description=_l("Dan controleert de anonimiseringscheck alle teksten van deze "
                       "activiteiten op gegevens van cliënten."))

    def to_input(self) -> EventTypeInput:
        return EventTypeInput(
            code=self.code.data or "", name_nl=self.name_nl.data or "",
            name_en=self.name_en.data or "", issues_certificate=self.issues_certificate.data,
            skj_category=SkjCategory(self.skj_category.data),
            handles_cases=self.handles_cases.data)

    def fill_from(self, data: EventTypeInput) -> None:
        for name in ("code", "name_nl", "name_en", "issues_certificate", "handles_cases"):
            getattr(self, name).data = getattr(data, name)
        self.skj_category.data = data.skj_category.value

    def apply_errors(self, errors: dict[str, str]) -> list[str]:
        loose = []
        for key, message in errors.items():
            field = getattr(self, key, None) if key else None
            if field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, message]
            else:
                loose.append(message)
        return loose
