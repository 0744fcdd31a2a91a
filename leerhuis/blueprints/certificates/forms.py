from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from leerhuis.blueprints.forms_common import GuardedForm, strip_filter
from leerhuis.services.free_text import NO_IDENTIFIERS


class RevokeForm(GuardedForm, FlaskForm):
    guarded: ClassVar[dict[str, str]] = {"reason": NO_IDENTIFIERS}

    reason = TextAreaField(_l("Reden"), filters=[strip_filter],
                           validators=[DataRequired(_l("Geef een reden.")), Length(max=2000)])


class SkjPeriodForm(FlaskForm):
    start = DateField(_l("Begin van je SKJ-registratieperiode"),
                      description=_l("De datum van je (her)registratie bij SKJ. Leeg: vanaf het "
                                     "jaar van je eerste activiteit."),
                      validators=[Optional()])
