"""Who may do what: small decorators used by the routes, backed by one rule each."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def region_admin_required(view):
    """Only a regio-beheerder."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_region_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def organiser_required(view):
    """An approved organisator of any organisation, or a regio-beheerder."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (current_user.is_region_admin or current_user.is_organiser):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
