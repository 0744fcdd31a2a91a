from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from leerhuis.blueprints.forms_common import strip_filter


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(["approve", "deny"])])
    reason = TextAreaField(_l("Reden (verplicht bij afwijzen)"), filters=[strip_filter],
                           validators=[Optional(), Length(max=2000)])


class EmptyForm(FlaskForm):
    """A POST with nothing but its CSRF token."""
