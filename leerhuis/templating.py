"""Templates compiled once per language.

A page says ``{{ _("Programma") }}`` some thirty times; looked up while rendering, each costs
a catalogue search through Flask-Babel's request context (about 13 µs, a tenth of a cached
page). The text of ``_("a constant")`` depends only on the language, so each template is
compiled per language with those calls replaced by their translation. Calls with
placeholders (``_("plaats %(n)d", n=…)``), ``ngettext`` and templates compiled outside a
request (``from_string``) keep the runtime lookup, which gives the same text.
"""

from __future__ import annotations

import weakref
from contextvars import ContextVar

from flask import has_app_context
from flask.templating import Environment
from flask_babel import get_locale, get_translations
from jinja2 import nodes
from jinja2.visitor import NodeTransformer

# The language a template is being compiled for (None: compiled outside a request).
_compiling_for: ContextVar[str | None] = ContextVar("compiling_for", default=None)
GETTEXT_NAMES = frozenset({"_", "gettext"})


def _current_language() -> str | None:
    """The language pages are rendered in now (Flask-Babel's, honouring force_locale), or
    None outside an app context."""
    if not has_app_context():
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


class _TranslateConstants(NodeTransformer):
    """``_("text")`` → the translation, marked safe where autoescaping is on, exactly what
    Jinja's newstyle gettext returns for it at run time (``Markup(text) % {}``)."""

    def __init__(self, translations) -> None:
        self.translations = translations

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name in GETTEXT_NAMES
                and len(node.args) == 1 and isinstance(node.args[0], nodes.Const)
                and isinstance(node.args[0].value, str) and not node.kwargs
                and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        try:
            text = self.translations.ugettext(node.args[0].value) % {}
        except (TypeError, ValueError):
            return node  # a stray % sign: let the run-time call report it as before
        return nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=node.lineno),
                                          lineno=node.lineno)


class LocalisedEnvironment(Environment):
    """Flask's template environment, with a template cache per language."""

    def _load_template(self, name, globals):
        language = _current_language()
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        cache_key = (weakref.ref(self.loader), name, language)
        if self.cache is not None:
            template = self.cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template
        token = _compiling_for.set(language)
        try:
            template = self.loader.load(self, name, self.make_globals(globals))
        finally:
            _compiling_for.reset(token)
        if self.cache is not None:
            self.cache[cache_key] = template
        return template

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        if _compiling_for.get() is None:
            return tree
        return _TranslateConstants(get_translations()).visit(tree)
