from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from leerhuis.blueprints.forms_common import GuardedForm, strip_filter


class CheckinForm(GuardedForm, FlaskForm):
    exempt: ClassVar[dict[str, str]] = {
        "code": "the short code shown on the screen, compared with the session's"}

    code = StringField(_l("Code op het scherm"), filters=[strip_filter],
                       validators=[DataRequired(_l("Vul de code in.")), Length(max=12)])
