"""PDF rendering with WeasyPrint's public API: ``HTML(string=…).write_pdf(…)`` with one
FontConfiguration per process, a sandboxed Jinja environment fed with plain data, and a URL
fetcher that serves only the app's own files.

With Debian's libharfbuzz-subset0 installed, WeasyPrint subsets fonts with HarfBuzz
(~10 ms for a one-page certificate); without it fontTools takes ~200 ms.

WeasyPrint is imported on first use: with its fonts and fontTools it is 40 MB and 1.5 s
of every web worker's start, and most workers never render a PDF.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import gc
import logging
import multiprocessing
import multiprocessing.util
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask_babel import get_locale, get_translations
from jinja2 import FileSystemLoader, StrictUndefined, Template, meta
from jinja2.sandbox import SandboxedEnvironment

PDF_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "pdf"
STATIC = Path(__file__).resolve().parent.parent / "static"
PDF_VARIANT = "pdf/ua-1"


class UnsafeURL(ValueError):
    """A template asked WeasyPrint for something outside the app's own files."""


@functools.cache
def font_config():
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415 - WeasyPrint costs ~0.5 s to import: only processes that render a PDF load it

    # WeasyPrint copies @font-face fonts into a temporary folder of the configuration and
    # removes it when the configuration is collected, which never happens to one that lives
    # as long as its process: let it go when the process ends, at exit and in layout
    # processes (which end through os._exit, after multiprocessing's finalizers). A
    # Finalize runs only in the process that made it, never in a forked child.
    multiprocessing.util.Finalize(None, _release_font_config, exitpriority=10)
    return FontConfiguration()


def _release_font_config() -> None:
    font_config.cache_clear()
    gc.collect()  # the configuration removes its font folder when it is collected


def harfbuzz_subsetting_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


@functools.cache
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=FileSystemLoader(PDF_TEMPLATES), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               extensions=["jinja2.ext.i18n"])
    # The same catalogue as the pages; the language is the one active while rendering
    # (the request's, or one forced with flask_babel.force_locale).
    # jinja2.ext.i18n adds this method at run time; the Environment type cannot know it.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text: get_translations().ugettext(text),
        lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True)
    env.globals["current_language"] = lambda: str(get_locale() or "nl")
    return env


# The names each template uses at top level, per compiled template: Jinja recompiles a
# template whose file changed, and then its names are read again.
_template_names: weakref.WeakKeyDictionary[Template, frozenset[str]] = (
    weakref.WeakKeyDictionary())


def missing_placeholders(template_name: str, data: dict) -> frozenset[str]:
    """Names the template uses at top level that ``data`` does not provide."""
    env = environment()
    template = env.get_template(template_name)
    names = _template_names.get(template)
    if names is None:
        assert env.loader is not None  # environment() gives it the FileSystemLoader
        source = env.loader.get_source(env, template_name)[0]
        names = _template_names[template] = frozenset(meta.find_undeclared_variables(
            env.parse(source)))
    return names - set(data) - set(env.globals)


def render_html(template_name: str, data: dict) -> str:
    missing = missing_placeholders(template_name, data)
    if missing:
        raise KeyError(f"{template_name} mist gegevens: {', '.join(sorted(missing))}")
    return environment().get_template(template_name).render(**data)


@functools.cache
def safe_url_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher  # noqa: PLC0415 - WeasyPrint costs ~0.5 s to import: only processes that render a PDF load it

    class SafeURLFetcher(URLFetcher):
        """Inline data and the app's own static files only: no network, no other local
        files."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                # Decoded first: the file is opened by its decoded path, so "%2e%2e" is "..".
                path = Path(unquote(urlsplit(url).path)).resolve()
                allowed = (STATIC.resolve(), PDF_TEMPLATES.resolve())
                if urlsplit(url).scheme != "file" or not any(path.is_relative_to(a)
                                                             for a in allowed):
                    raise UnsafeURL(url)
            return super().fetch(url, headers)

    return SafeURLFetcher


def html_document(html: str):
    from weasyprint import HTML  # noqa: PLC0415 - WeasyPrint costs ~0.5 s to import: only processes that render a PDF load it

    return HTML(string=html, base_url=str(PDF_TEMPLATES) + "/",
                url_fetcher=safe_url_fetcher_class()())


def write_pdf(html: str) -> bytes:
    return html_document(html).write_pdf(pdf_variant=PDF_VARIANT, font_config=font_config())


def write_pdfs(htmls: list[str]) -> list[bytes]:
    """One PDF per document, each laid out on its own."""
    return [write_pdf(html) for html in htmls]


# --- Bulk rendering on every core ---------------------------------------------------------
# Layout is CPU-bound Python: a bulk run spreads its batch over its layout processes (the
# app's PDF_WORKERS; outside a run, one per core). Children get HTML strings and return PDF
# bytes; they never touch the database. forkserver children start clean (no inherited
# threads or connections) and keep their FontConfiguration for the life of the pool.
_pool: ProcessPoolExecutor | None = None
_pool_size = os.cpu_count() or 1  # of the next pool started
MIN_PARALLEL_PAGES = 8


def chunked(items: list, parts: int) -> list[list]:
    if len(items) < MIN_PARALLEL_PAGES * 2 or parts <= 1:
        return [items]
    size = -(-len(items) // parts)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _exit_with_parent() -> None:
    """End this layout process when the process that started it ends, however it ends. A
    worker killed with SIGKILL cannot shut its pool down, and its layout processes would
    wait for work forever (they hold their own end of the queue open)."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns once the parent is gone
    else:
        started_by = os.getppid()
        while os.getppid() == started_by:
            time.sleep(1)
    os._exit(1)


def _warm_child() -> None:
    """Watch the parent; load the fonts, the PDF fonts' faces and what WeasyPrint builds on
    first use, before the first batch arrives (~0.1 s per process)."""
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    try:
        fonts_css = environment().get_template("_fonts.css").render()
        write_pdf(f'<!doctype html><html lang="nl"><title>Leerhuis</title>'
                  f'<style>{fonts_css} body {{ font-family: "Leerhuis Sans" }}</style>'
                  f'<p>Bewijs van deelname <b>Regionaal Leerhuis</b></p></html>')
    except Exception:  # only a head start: a real render reports a real problem
        logging.getLogger(__name__).exception("PDF-werkproces: opwarmen mislukt")


def _layout_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=_pool_size,
                                    mp_context=multiprocessing.get_context("forkserver"),
                                    initializer=_warm_child)
    return _pool


@contextlib.contextmanager
def layout_processes(workers: int) -> Iterator[None]:
    """``workers`` layout processes for one bulk run: started when the run first needs them,
    ended with it (also when it fails), so none outlive it. A pool kept for the life of a
    worker would outlive a killed worker."""
    global _pool, _pool_size
    outer = _pool, _pool_size
    _pool, _pool_size = None, max(1, workers)
    try:
        yield
    finally:
        own = _pool
        _pool, _pool_size = outer
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True


def warm_pool() -> None:
    """Start every layout process and load its fonts now, so that the first bulk run of a
    long-lived worker does not pay for it (the pool lives as long as the process)."""
    pool = _layout_pool()
    # One task per process: the pool starts a new process for a task while none is idle.
    for future in [pool.submit(_ready) for _ in range(_pool_size)]:
        future.result()


def start_pdfs_many(batches: list[list[str]]) -> Callable[[], list[list[bytes]]]:
    """Start writing each batch's documents as PDFs (write_pdfs) and return at once; calling
    the result waits for them. With more than one batch the layout processes do the work,
    so the caller can go on (record the previous batch) in the meantime."""
    if len(batches) <= 1:
        return lambda: [write_pdfs(htmls) for htmls in batches]
    futures = _submit(batches)

    def results() -> list[list[bytes]]:
        try:
            return [future.result() for future in futures]
        except BrokenProcessPool:
            _discard_pool()
            return [future.result() for future in _submit(batches)]

    return results


def _submit(batches: list[list[str]]) -> list[Future]:
    """Hand the batches to the layout processes. A pool whose process died (out of memory,
    a crash in a C library) is broken for good: start a new one, once, so that one crash
    does not fail every later run of a long-lived worker."""
    try:
        return [_layout_pool().submit(write_pdfs, htmls) for htmls in batches]
    except BrokenProcessPool:
        _discard_pool()
        return [_layout_pool().submit(write_pdfs, htmls) for htmls in batches]


def _discard_pool() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
