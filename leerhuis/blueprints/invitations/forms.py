from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from leerhuis.blueprints.forms_common import GuardedForm, strip_filter
from leerhuis.blueprints.programme.forms import MultiCheckboxField
from leerhuis.services.free_text import NO_IDENTIFIERS


class InvitationForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"message": NO_IDENTIFIERS}
    exempt: ClassVar[dict[str, str]] = {
        "emails": "addresses of professionals to invite, parsed and checked as addresses "
                  "by services/invitations.py"}

    target_group_ids = MultiCheckboxField(_l("Doelgroepen"), coerce=int, validators=[Optional()])
    organisation_types = MultiCheckboxField(_l("Soorten organisaties"), validators=[Optional()])
    organisation_ids = MultiCheckboxField(_l("Organisaties"), coerce=int, validators=[Optional()])
    municipality_ids = MultiCheckboxField(_l("Gemeenten (waar mensen werken)"), coerce=int,
                                          validators=[Optional()])
    emails = TextAreaField(_l("E-mailadressen"), filters=[strip_filter],
                           description=_l("Eén per regel, of gescheiden door komma's."),
                           validators=[Optional(), Length(max=50000)])
    message = TextAreaField(_l("Persoonlijke toelichting in de uitnodiging"),
                            filters=[strip_filter],
                            validators=[Optional(), Length(max=2000)])
