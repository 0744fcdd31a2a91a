"""Rendered public parts of pages, kept per process and keyed by the data version.

A page's ``content`` block (the month's event list, an event's details) is the same for
every visitor who sees only the public programme, until events, sessions, registrations or
the filter lists change. Those changes raise ``data_version`` in their own transaction
(leerhuis/models/data_version.py); every request reads it from the database before it reads
any data, so several app servers behind a load balancer never serve a part older than the
last commit they could have seen. Per-user parts (navigation, the registration box, CSRF
tokens, flashed messages) are rendered live on every request: ``live_blocks`` are cut out
of the cached HTML and rendered afresh into it."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import current_app, g, has_app_context, request
from flask.signals import before_render_template, template_rendered
from flask_babel import get_locale
from flask_login import current_user
from jinja2.utils import concat
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from leerhuis.extensions import db
from leerhuis.models import DataVersion

MAX_ENTRIES = 512  # a region's months, filters and event pages; LRU beyond that


class _Store:
    """Entries of one data version; a newer version empties the store at once."""

    def __init__(self) -> None:
        self.version = -1
        self.entries: OrderedDict[Hashable, tuple[object, dict]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, version: int, key: Hashable) -> tuple[object, dict] | None:
        with self.lock:
            if version != self.version:
                return None
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, version: int, key: Hashable, entry: tuple[object, dict]) -> None:
        with self.lock:
            if version > self.version:
                self.entries.clear()
                self.version = version
            elif version < self.version:
                return  # read before a newer commit another request has already seen
            self.entries[key] = entry
            if len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.version = -1


store = _Store()
# Stands in for a live block inside cached HTML; random per process, so no text typed by
# a user can imitate it.
_MARK = "\x00live-{}-" + secrets.token_hex(8) + "\x00"


# Built once, so SQLAlchemy reuses its cache key; Core, as no ORM object is wanted.
VERSION = select(DataVersion.__table__.c.version).where(DataVersion.__table__.c.id == 1)


def data_version() -> int:
    """The committed data version, read once per request before the data it guards (for a
    logged-in visitor in the same statement as the user: leerhuis/web.py)."""
    if "data_version" not in g:
        g.data_version = db.session.connection().execute(VERSION).scalar() or 0
    return g.data_version


@event.listens_for(Session, "after_commit")
def _forget_version_after_commit(_session: Session) -> None:
    # A request that commits and then renders must see its own change: read the version
    # again rather than serve what was cached before the commit.
    if has_app_context():
        g.pop("data_version", None)


def remembered(key: Hashable, compute):
    """``compute()``, kept for the present data version: for small lists read from the
    watched tables on many pages (a region's municipalities)."""
    version = data_version()
    entry = store.get(version, ("value", key))
    if entry is None:
        entry = (compute(), {})
        store.put(version, ("value", key), entry)
    return entry[0]


def _full_key(template, key: Hashable) -> tuple:
    # The template object: with TEMPLATES_AUTO_RELOAD (development) an edited template is a
    # new object, so its pages are rendered afresh rather than served from before the edit.
    return (template, key, str(get_locale()))


def lookup(template_name: str, key: Hashable | None) -> tuple[str, dict] | None:
    """The cached content block of ``template_name`` and its facts for ``key`` at the
    present data version."""
    if key is None:
        return None
    template = current_app.jinja_env.get_template(template_name)
    return store.get(data_version(), _full_key(template, key))


def render_page(template_name: str, key: Hashable | None, cached: tuple[str, dict] | None, *,
                context: dict, facts: dict | None = None,
                live_blocks: tuple[str, ...] = ()) -> str:
    """Render ``template_name``; its ``content`` block comes from ``cached`` (what
    ``lookup(template_name, key)`` gave) or is rendered from ``context`` and stored under
    ``key`` (None: not cached for this viewer) with ``facts``, the answers a later hit needs
    without the database. ``live_blocks`` inside the content are rendered afresh on every
    request."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    cache_key = None if key is None else _full_key(template, key)
    version = data_version() if cache_key is not None else 0
    context = dict(context)
    app.update_template_context(context)
    jinja_context = template.new_context(context)
    rendered_live: dict[str, str] = {}

    def live_block(name: str):
        def render(ctx):
            rendered_live[name] = concat(template.blocks[name](ctx))
            yield _MARK.format(name)
        return render

    live_blocks = tuple(name for name in live_blocks if name in template.blocks)
    for name in live_blocks:
        jinja_context.blocks[name] = [live_block(name), *jinja_context.blocks.get(name, [])[1:]]
    if cached is None:
        original = jinja_context.blocks["content"][0]

        def capture(ctx):
            html = concat(original(ctx))
            if cache_key is not None:
                store.put(version, cache_key, (html, facts or {}))
            yield html
        jinja_context.blocks["content"] = [capture]
    else:
        html = cached[0]

        def replay(ctx):
            for name in live_blocks:
                # Rendered here, inside the page's own render, so its imports (``ui``) resolve.
                rendered_live[name] = concat(template.blocks[name](ctx))
            yield html
        jinja_context.blocks["content"] = [replay]

    before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template,
                                context=context)
    page = concat(template.root_render_func(jinja_context))
    for name, block_html in rendered_live.items():
        page = page.replace(_MARK.format(name), block_html, 1)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template,
                           context=context)
    return page


def public_viewer_key(*parts: Hashable) -> tuple | None:
    """A cache key for a viewer who sees only the public programme (anonymous, or logged in
    without organiser or Region rights), else None: those pages show drafts and buttons."""
    if current_user.is_authenticated and (current_user.is_region_admin
                                          or current_user.is_organiser):
        return None
    return (request.endpoint, *parts)
