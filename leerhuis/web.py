"""Request-level wiring: locale, login loading, error pages, security headers, filters."""

from __future__ import annotations

import contextlib
import functools

from babel import Locale
from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, get_locale, refresh
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import with_expression
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from leerhuis import labels, page_cache
from leerhuis.errors import Busy
from leerhuis.extensions import db, login_manager
from leerhuis.formatting import format_clock, format_day, format_moment, format_period
from leerhuis.models import ApprovalStatus, OrganiserRole, User
from leerhuis.services import certificates


def qr_data_uri(url: str) -> str:
    return certificates.qr_data_uri(url)


def format_hours(value) -> str:
    """2.50 → '2,5' in Dutch, '2.5' in English."""
    return format_decimal(value, format="#,##0.##") if value is not None else ""


def select_locale() -> str:
    supported = ["nl", "en"]
    if not has_request_context():
        return "nl"  # background jobs and the CLI; mails choose the recipient's language
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if (current_user and current_user.is_authenticated
            and current_user.preferred_language in supported):
        return current_user.preferred_language
    # Dutch is the portal's language; English only when asked for.
    return "nl"


def select_timezone() -> str:
    return "Europe/Amsterdam"


@functools.cache
def _user_statement():
    """One query for what every page asks of the user and the data version the page cache
    checks (the request's first statement, so it precedes every data read). The navigation
    needs only whether the user organises: an EXISTS beside the user row, not the roles,
    organisation and municipality joined in (twice the ORM work on every page; the few
    pages that show those load them when they do). Built once: SQLAlchemy reuses its cache
    key and compiled form."""
    organises = (exists().where(OrganiserRole.user_id == User.id,
                                OrganiserRole.status == ApprovalStatus.APPROVED)
                 .correlate(User))
    return (select(User, page_cache.VERSION.scalar_subquery())
            .where(User.id == bindparam("user_id"))
            .options(with_expression(User.approved_organiser, organises)))


@login_manager.user_loader
def _load_user(user_id: str):
    raw_id, _, nonce = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    row = db.session.execute(_user_statement(), {"user_id": int(raw_id)}).one_or_none()
    if row is None:
        return None
    user, version = row
    g.setdefault("data_version", version or 0)
    if user is None or user.session_nonce != nonce or not user.is_active:
        return None
    return user


@functools.cache
def _calendar_names(locale: str) -> tuple[dict[int, str], list[str]]:
    """Month and day names of a locale; the same for every request, so looked up once."""
    parsed = Locale.parse(locale)
    return ({m: parsed.months["format"]["wide"][m] for m in range(1, 13)},
            [parsed.days["format"]["abbreviated"][d] for d in range(7)])


_MEMO_TYPES = frozenset({str, int, float, bool, type(None)})


def _memoised_url_for():
    """``url_for`` for one app's templates. A page links to the same few endpoints on every
    request (navigation, footer, static files) and building a URL through Werkzeug's router
    costs about 10 µs; an internal URL depends only on the endpoint, its values and the
    script root, so each is built once per process. (No ``url_defaults`` or host matching
    here; relative endpoints, anchors, external URLs and other kinds of values are built
    each time.)"""

    @functools.lru_cache(maxsize=4096)
    def built(_script_root: str, endpoint: str, values: tuple) -> str:
        return url_for(endpoint, **dict(values))

    def template_url_for(endpoint: str, **values) -> str:
        if endpoint[:1] != "." and has_request_context():
            if not values:
                return built(request.script_root, endpoint, ())
            if all(key[:1] != "_" and type(value) in _MEMO_TYPES
                   for key, value in values.items()):
                return built(request.script_root, endpoint, tuple(sorted(values.items())))
        return url_for(endpoint, **values)

    return template_url_for


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` in URLs: ids are PostgreSQL integers, so a larger number names nothing
    (404) instead of overflowing the database driver (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


# Exports and downloads: participant lists, overviews, certificates, one's own data.
DOWNLOAD_TYPES = frozenset({
    "text/csv", "application/pdf", "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_PROXIES"):
        # The client's address as the nearest trusted proxy saw it (rate limits, logs);
        # whatever the client itself put in X-Forwarded-For before that is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    # Before the blueprints add their rules: each rule picks its converter when added.
    app.url_map.converters["int"] = DatabaseIntConverter
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in om deze pagina te bekijken.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.jinja_env.globals["url_for"] = _memoised_url_for()

    @app.context_processor
    def _globals():
        locale = get_locale()
        month_names, day_names = _calendar_names(str(locale))
        return {
            "current_locale": str(locale),
            "month_names": month_names,
            "day_names": day_names,
            # Stored codes → translated labels (leerhuis/labels.py); most templates use
            # the ``label`` filter, these tables serve value → label lookups and choices.
            "status_labels": labels.EVENT_STATUS,
            "attendance_labels": labels.ATTENDANCE_STATE,
            "group_type_labels": labels.GROUP_TYPE,
            "action_status_labels": labels.ACTION_STATUS,
            "invitation_status_labels": labels.INVITATION_STATUS,
            "privacy_kind_labels": labels.PRIVACY_FINDING_KIND,
            "checkin_qr": qr_data_uri,
        }

    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["label"] = labels.label
    app.jinja_env.filters["audit_action"] = labels.audit_action
    app.jinja_env.filters["reject_page"] = lambda args: {
        k: v for k, v in args.items() if k not in ("page", "region_slug", "year")}

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["compact"] = lambda attrs: {k: v for k, v in attrs.items()
                                                      if v is not None}
    # Every date or time shown to people goes through these (Babel, current locale,
    # Europe/Amsterdam): datum = a day, tijd = a time of day, datumtijd = a moment,
    # periode = a session from start to end.
    app.jinja_env.filters["datum"] = format_day
    app.jinja_env.filters["tijd"] = format_clock
    app.jinja_env.filters["datumtijd"] = format_moment
    app.jinja_env.filters["periode"] = format_period

    security_headers = [
        ("Content-Security-Policy",
         ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
          "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if app.config.get("PRODUCTION"):
        security_headers.append(("Strict-Transport-Security",
                                 "max-age=31536000; includeSubDomains"))

    @app.after_request
    def _security_headers(response):
        # Added unless the view set its own; one pass over the headers, not one per header.
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(name, value) for name, value in security_headers
                                 if name.lower() not in present])
        return response

    @app.after_request
    def _no_store_for_personal_responses(response):
        # A logged-in person's pages and every download hold personal data: no shared or
        # back-button cache may keep them (Django's never_cache). A view that allows caching
        # itself (public or max-age) keeps its own choice; static files are nobody's. The
        # anonymous public pages stay cacheable (page_cache is on the server, not here).
        if request.endpoint == "static" or response.cache_control.public \
                or response.cache_control.max_age is not None:
            return response
        if response.mimetype in DOWNLOAD_TYPES or current_user.is_authenticated:
            response.cache_control.no_store = True
        return response

    for code in (400, 403, 404, 405, 429, 500, 503):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(Busy, _busy_page)

    @app.before_request
    def _refuse_nul_in_query():
        # Nobody types a NUL character and PostgreSQL can neither store nor compare one:
        # a query string holding one is a bad request, not a database error. (Form fields
        # drop it in strip_filter.)
        if any("\x00" in key or "\x00" in value
               for key, value in request.args.items(multi=True)):
            abort(400)

    @app.before_request
    def _fresh_request_state():
        # Per-request memos live on g. In production every request has its own app
        # context; when an outer context is shared (tests, CLI), start each request clean.
        for key in ("_login_user", "published_years", "data_version"):
            g.pop(key, None)
        refresh()  # Flask-Babel's locale, time zone and catalogue of the previous request


def _database_unavailable(error):
    """The database is unreachable: a Dutch 503 without traceback, and nothing that needs
    the database itself (no user loading, no navigation)."""
    current_app_logger().error("database unavailable: %s", getattr(error, "orig", error))
    # The connection is gone: the rollback cannot succeed, and need not.
    with contextlib.suppress(Exception):
        db.session.rollback()
    if request.path.startswith("/api/"):
        return {"error": "Service Unavailable", "status": 503}, 503, {"Retry-After": "30"}
    return render_template("errors/unavailable.html"), 503, {"Retry-After": "30"}


def _busy_page(error: Busy):
    """Others held what the request needed too long (a rush on the last places): nothing was
    changed (the unit of work rolled back); say so and ask to try again, not an error page."""
    db.session.rollback()
    return render_template("errors/busy.html", message=error.message,
                           back_url=error.back_url), 503, {"Retry-After": str(error.retry_after)}


def current_app_logger():
    return current_app.logger


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()
    if request.path.startswith("/api/"):
        return {"error": getattr(error, "name", "Error"), "status": code}, code, \
            _allow_header(error)
    # abort(400, description=_("…")) says what was wrong; Werkzeug's own English
    # descriptions are replaced by the page's Dutch explanation.
    description = getattr(error, "description", None)
    message = description if description != getattr(type(error), "description", None) else None
    return render_template("errors/error.html", code=code, message=message), code, \
        _allow_header(error)


def _allow_header(error) -> dict:
    """A 405 names the methods the URL does take (RFC 9110 15.5.6), as Werkzeug's own
    MethodNotAllowed response does; a page of our own must not drop it."""
    methods = getattr(error, "valid_methods", None)
    return {"Allow": ", ".join(methods)} if methods else {}
