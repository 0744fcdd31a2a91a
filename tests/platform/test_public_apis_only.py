"""Our code uses the libraries it depends on through their public APIs only: a name with a
leading underscore is a library's own business and may change in any release (issue 22).

Every module of leerhuis/, bench/, scripts/ and tests/ is read with ``ast`` and these are
reported:
- ``x._name`` (not a dunder) unless ``x`` is ``self``/``cls`` or a name imported from our own
  packages (their private helpers are ours to use in our tests and benchmarks); anything
  else (a library module or object, a local, ``super()``, ``a.b._c``) counts as a library's;
- ``from lib import _name`` and imports of a library's private module (``lib._internal``);
- a method ``_name`` defined in a class that derives from a library's class that has a
  ``_name`` of its own (an override of its private method; the base class is imported to
  see);
- ``getattr``/``setattr``/``hasattr``/``delattr`` (and ``monkeypatch.setattr``) of an
  ``"_name"`` on anything but our own modules, ``self`` and ``cls``.
"""

from __future__ import annotations

import ast
import importlib

import pytest
from conftest import ROOT

CHECKED = ("leerhuis", "bench", "scripts", "tests")
OWN_PACKAGES = frozenset({*CHECKED, "conftest"})  # tests/conftest.py, as pytest imports it

# Names with an underscore that their library documents as public API.
DOCUMENTED = frozenset({
    "_get_current_object",  # Werkzeug's LocalProxy (current_app, current_user), in Flask's docs
    "_exit",  # os._exit: end a process without running the parent's clean-up
    "_asdict", "_replace", "_fields", "_make",  # collections.namedtuple
})
ATTRIBUTE_FUNCTIONS = frozenset({"getattr", "setattr", "hasattr", "delattr"})


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"


def _is_own(module: str, level: int = 0) -> bool:
    return level > 0 or module.partition(".")[0] in OWN_PACKAGES


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.own_names: set[str] = {"self", "cls"}
        self.library_names: dict[str, tuple[str, str | None]] = {}  # name → (module, attr)
        self.findings: list[tuple[int, str]] = []

    def collect_imports(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _is_own(alias.name):
                        self.own_names.add(alias.asname or alias.name.partition(".")[0])
                    elif alias.asname:
                        self.library_names[alias.asname] = (alias.name, None)
                    else:
                        top = alias.name.partition(".")[0]
                        self.library_names[top] = (top, None)
            elif isinstance(node, ast.ImportFrom):
                own = _is_own(node.module or "", node.level)
                for alias in node.names:
                    if own:
                        self.own_names.add(alias.asname or alias.name)
                    else:
                        self.library_names[alias.asname or alias.name] = (node.module, alias.name)

    def library_class(self, base: ast.expr) -> type | None:
        """The library class a class statement names as its base, or None."""
        path = []
        while isinstance(base, ast.Attribute):
            path.insert(0, base.attr)
            base = base.value
        if not isinstance(base, ast.Name) or base.id not in self.library_names:
            return None
        module, attr = self.library_names[base.id]
        found = importlib.import_module(module)
        for name in ([attr] if attr else []) + path:
            found = getattr(found, name)
        return found if isinstance(found, type) else None

    def report(self, node: ast.AST, text: str) -> None:
        self.findings.append((node.lineno, text))

    def _owned(self, node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id in self.own_names

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _is_own(alias.name) and any(map(_private, alias.name.split("."))):
                self.report(node, f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if _is_own(module, node.level):
            return
        if any(map(_private, module.split("."))):
            self.report(node, f"from {module} import …")
        for alias in node.names:
            if _private(alias.name):
                self.report(node, f"from {module} import {alias.name}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _private(node.attr) and node.attr not in DOCUMENTED and not self._owned(node.value):
            self.report(node, f"{ast.unparse(node.value)}.{node.attr}")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [base for base in map(self.library_class, node.bases) if base is not None]
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _private(item.name):
                for base in bases:
                    if hasattr(base, item.name):
                        self.report(item, f"{node.name}.{item.name} overrides "
                                          f"{base.__module__}.{base.__qualname__}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        name = (function.id if isinstance(function, ast.Name)
                else function.attr if isinstance(function, ast.Attribute) else None)
        if (name in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                and _private(node.args[1].value) and node.args[1].value not in DOCUMENTED
                and not self._owned(node.args[0])):
            self.report(node, f"{name}({ast.unparse(node.args[0])}, {node.args[1].value!r})")
        self.generic_visit(node)


def private_uses(source: str) -> list[tuple[int, str]]:
    """Each use of a library's private name in a module's source: (line, what)."""
    tree = ast.parse(source)
    finder = _Finder()
    finder.collect_imports(tree)
    finder.visit(tree)
    return sorted(finder.findings)


def test_our_code_uses_no_private_name_of_a_library():
    files = sorted(path for folder in CHECKED for path in (ROOT / folder).rglob("*.py"))
    assert len(files) > 100
    found = [f"{path.relative_to(ROOT)}:{line}: {text}" for path in files
             for line, text in private_uses(path.read_text("utf-8"))]
    assert found == []


PLANTED = '''\
import os
import weasyprint._private
from concurrent.futures import ProcessPoolExecutor
from flask import current_app, g
from jinja2 import Environment
from weasyprint import HTML, _find_base_url
from leerhuis.services import certificates, pdf
from . import helpers

class LocalisedEnvironment(Environment):
    def _load_template(self, name, globals):
        return super()._load_template(name, globals)

    def _own_helper(self):
        return self._cache

class Ours:
    def _fine(self):
        return self._state, cls._other, certificates._record, helpers._x, pdf._pool

def use(document, pool: ProcessPoolExecutor, monkeypatch):
    box = document.pages[0]._page_box
    processes = pdf._pool._processes
    memo = g._flask_babel
    getattr(g, "_flask_babel", None)
    monkeypatch.setattr(certificates, "_record", None)
    monkeypatch.setattr(HTML, "_ua_stylesheets", None)
    current_app._get_current_object().__class__.__name__
    os._exit(1)
'''


def test_the_check_finds_each_kind_of_private_use_and_nothing_else():
    assert private_uses(PLANTED) == [
        (2, "import weasyprint._private"),
        (6, "from weasyprint import _find_base_url"),
        (11, "LocalisedEnvironment._load_template overrides jinja2.environment.Environment"),
        (12, "super()._load_template"),
        (22, "document.pages[0]._page_box"),
        (23, "pdf._pool._processes"),
        (24, "g._flask_babel"),
        (25, "getattr(g, '_flask_babel')"),
        (27, "setattr(HTML, '_ua_stylesheets')"),
    ]


@pytest.mark.parametrize("line", ["x = weasyprint.HTML._ua_stylesheets",
                                  "from jinja2.environment import _environment_config_check"])
def test_a_library_private_name_planted_in_our_code_fails_the_check(line):
    assert len(private_uses(f"import weasyprint\n{line}\n")) == 1
