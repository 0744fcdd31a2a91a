"""PDF rendering with WeasyPrint: one FontConfiguration per process, a sandboxed Jinja
environment fed with plain data, and a URL fetcher that serves only the app's own files.

With Debian's libharfbuzz-subset0 installed, WeasyPrint subsets fonts with HarfBuzz
(~10 ms for a one-page certificate); without it fontTools takes ~200 ms.

WeasyPrint is imported on first use: with its fonts and fontTools it is 40 MB and 1.5 s
of every web worker's start, and most workers never render a PDF.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import logging
import multiprocessing
import multiprocessing.util
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from flask_babel import get_locale, get_translations
from jinja2 import FileSystemLoader, StrictUndefined, meta
from jinja2.sandbox import SandboxedEnvironment

from leerhuis.services import shared_layout

PDF_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "pdf"
STATIC = Path(__file__).resolve().parent.parent / "static"
PDF_VARIANT = "pdf/ua-1"


class UnsafeURL(ValueError):
    """A template asked WeasyPrint for something outside the app's own files."""


@functools.cache
def font_config():
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    # WeasyPrint copies @font-face fonts into a temporary folder of the configuration and
    # removes it in __del__, which never runs for a configuration that lives as long as its
    # process (and fails at interpreter shutdown): every worker left its folder in /tmp.
    # Give it a folder now and remove that when the process ends, at exit and in layout
    # processes (which end through os._exit, after multiprocessing's finalizers). A
    # Finalize runs only in the process that made it, never in a forked child.
    config._folder = Path(tempfile.mkdtemp(prefix="leerhuis-pdf-fonts-"))
    multiprocessing.util.Finalize(None, _remove_font_folder, args=(config,), exitpriority=10)
    return config


def _remove_font_folder(config) -> None:
    shutil.rmtree(config._folder, ignore_errors=True)
    config._folder = None


def harfbuzz_subsetting_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


@functools.cache
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=FileSystemLoader(PDF_TEMPLATES), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               extensions=["jinja2.ext.i18n"])
    # The same catalogue as the pages; the language is the one active while rendering
    # (the request's, or one forced with flask_babel.force_locale).
    env.install_gettext_callables(lambda text: get_translations().ugettext(text),
                                  lambda s, p, n: get_translations().ungettext(s, p, n),
                                  newstyle=True)
    env.globals["current_language"] = lambda: str(get_locale() or "nl")
    return env


# The names each template uses at top level, per compiled template: Jinja recompiles a
# template whose file changed, and then its names are read again.
_template_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def missing_placeholders(template_name: str, data: dict) -> set[str]:
    """Names the template uses at top level that ``data`` does not provide."""
    env = environment()
    template = env.get_template(template_name)
    names = _template_names.get(template)
    if names is None:
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
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        """Inline data and the app's own static files only: no network, no other local
        files."""

        def __init__(self):
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.files: set[Path] = set()  # what the document read from disk

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                # Decoded first: the file is opened by its decoded path, so "%2e%2e" is "..".
                path = Path(unquote(urlsplit(url).path)).resolve()
                allowed = (STATIC.resolve(), PDF_TEMPLATES.resolve())
                if urlsplit(url).scheme != "file" or not any(path.is_relative_to(a)
                                                             for a in allowed):
                    raise UnsafeURL(url)
                self.files.add(path)
            return super().fetch(url, headers)

    return SafeURLFetcher


@functools.cache
def template_html_class() -> type:
    import cssselect2
    from weasyprint import CSS, HTML, _find_base_url
    from weasyprint.urls import ensure_url

    user_agent = CSS(filename=str(PDF_TEMPLATES / "_user_agent.css"))

    class TemplateHTML(HTML):
        """WeasyPrint's HTML with the PDF templates' own user-agent stylesheet: upstream's,
        less the footnote, note and form rules that WeasyPrint pays for on every element
        (see _user_agent.css). WeasyPrint's own tests swap the stylesheet the same way."""

        user_agent_stylesheet = user_agent

        def _ua_stylesheets(self, forms=False):
            return [self.user_agent_stylesheet]

        @classmethod
        def from_tree(cls, root: ElementTree.Element, base_url: str, url_fetcher) -> TemplateHTML:
            """What ``HTML(string=html)`` makes, from a tree that libxml2 parsed (lxml,
            parse_html) rather than WeasyPrint's pure-Python HTML5 parser: that parser is 5 %
            of a certificate page. The HTML is our templates' output, of which both make the
            same tree but for whitespace that layout collapses (tests/test_pdf_rendering.py
            lays every template out both ways)."""
            document = cls.__new__(cls)
            # The attributes HTML.__init__ sets (a test compares the two).
            document.base_url = _find_base_url(root, ensure_url(base_url))
            document.url_fetcher = url_fetcher
            document.media_type = "print"
            document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None)
            document.etree_element = document.wrapper_element.etree_element
            return document

    return TemplateHTML


class _ElementTreeBuilder(ElementTree.TreeBuilder):
    """lxml's parser events into the standard library's ElementTree, the kind of tree
    WeasyPrint is given by its own parser (lxml hands attributes over as a read-only
    mapping)."""

    def start(self, tag, attrs):
        return super().start(tag, dict(attrs))


def parse_html(html: str) -> ElementTree.Element:
    """The root element of an HTML document, without comments. libxml2 silently stops
    reading where it cannot go on, and would hand back half a page: the HTML is encoded
    first, so that a string that is not valid Unicode (a lone surrogate) fails here, and
    huge_tree lifts its 10 MB limit on a text (a long form field)."""
    from lxml import etree

    parser = etree.HTMLParser(target=_ElementTreeBuilder(), encoding="utf-8", huge_tree=True,
                              remove_comments=True, remove_pis=True)
    return etree.fromstring(html.encode("utf-8"), parser)


def html_document(html: str | ElementTree.Element):
    root = parse_html(html) if isinstance(html, str) else html
    return template_html_class().from_tree(
        root, base_url=str(PDF_TEMPLATES) + "/", url_fetcher=safe_url_fetcher_class()())


def write_pdf(html: str | ElementTree.Element) -> bytes:
    return html_document(html).write_pdf(pdf_variant=PDF_VARIANT, font_config=font_config())


def write_pdfs(htmls: list[str]) -> list[bytes]:
    """One PDF per document. One-page documents that differ only in their data-field
    elements share one layout (shared_layout); any other document is laid out alone."""
    groups: dict[bytes, list[tuple[int, shared_layout.Fields]]] = {}
    pdfs: list[bytes] = [b""] * len(htmls)
    for index, html in enumerate(htmls):
        fields = shared_layout.read_fields(parse_html(html))
        if fields.key is None:
            pdfs[index] = write_pdf(fields.root)
        else:
            groups.setdefault(fields.key, []).append((index, fields))
    for key, members in groups.items():
        shared = _kept_page_for(key)
        for index, fields in members:
            if shared is not None and shared.fill(fields.values):
                document = shared.document
            else:
                html = html_document(fields.root)
                document = html.render(font_config=font_config(), pdf_variant=PDF_VARIANT)
                if shared is None and (len(members) > 1 or _kept_pages is not None):
                    shared = shared_layout.SharedPage.of(document, fields, _image_loader(html))
                    _keep_for_later(key, shared, html.url_fetcher.files)
            # Each PDF from a copy: a Document collects the glyphs of every PDF it writes,
            # and one participant's PDF would carry the letters of the names before it.
            pdfs[index] = document.copy().write_pdf(pdf_variant=PDF_VARIANT)
    return pdfs


def _image_loader(html) -> Callable:
    """Loads an <img> src as WeasyPrint does for this document: resolved against its base
    URL, named in the PDF after that URL, with the same options."""
    from weasyprint import DEFAULT_OPTIONS
    from weasyprint.html import parse_url
    from weasyprint.images import get_image_from_uri

    options = {**DEFAULT_OPTIONS, "pdf_variant": PDF_VARIANT}

    def load_image(src: str | None, orientation):
        url = parse_url(src, html.base_url)
        return url and get_image_from_uri(cache={}, url_fetcher=html.url_fetcher,
                                          options=options, url=url, orientation=orientation)

    return load_image


# A layout process keeps the last few shared pages: a bulk run sends it batch after batch of
# one event's certificates, and it would otherwise lay the same page out for each (~40 ms).
# Four: one event's run at a time, with room for a few that overlap. A kept page is used only
# while the files it was laid out with (fonts, images) are as they were. Only layout
# processes keep pages (the pool's initializer turns it on): a web worker that issues one
# certificate keeps nothing.
# Each kept page with the files it read and what they were then.
_kept_pages: OrderedDict[bytes, tuple[shared_layout.SharedPage, list[Path], list]] | None = None
KEPT_PAGES = 4


def _kept_page_for(key: bytes) -> shared_layout.SharedPage | None:
    if _kept_pages is None or key not in _kept_pages:
        return None
    page, files, versions = _kept_pages[key]
    if _versions(files) != versions:
        del _kept_pages[key]
        return None
    _kept_pages.move_to_end(key)
    return page


def _keep_for_later(key: bytes, page: shared_layout.SharedPage | None, files: set[Path]) -> None:
    if _kept_pages is not None and page is not None:
        paths = list(files)
        _kept_pages[key] = (page, paths, _versions(paths))
        while len(_kept_pages) > KEPT_PAGES:
            _kept_pages.popitem(last=False)


def _versions(files) -> list:
    """Each file's size and time of change (None if it is gone)."""
    versions = []
    for path in files:
        try:
            stat = path.stat()
            versions.append((stat.st_size, stat.st_mtime_ns))
        except OSError:
            versions.append(None)
    return versions


# --- Bulk rendering on every core ---------------------------------------------------------
# Layout is CPU-bound Python: a bulk run spreads its batch over PDF_WORKERS processes
# (default: one per core). Children get HTML strings and return PDF bytes; they never
# touch the database. forkserver children start clean (no inherited threads or
# connections) and keep their FontConfiguration for the life of the pool.
_pool: ProcessPoolExecutor | None = None
MIN_PARALLEL_PAGES = 8


def worker_count() -> int:
    return max(1, int(os.environ.get("PDF_WORKERS") or os.cpu_count() or 1))


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
    first use, before the first batch arrives (~0.1 s per process); from then on, keep
    shared pages from batch to batch."""
    global _kept_pages
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    try:
        fonts_css = environment().get_template("_fonts.css").render()
        write_pdfs([f'<!doctype html><html lang="nl"><title>Leerhuis</title>'
                    f'<style>{fonts_css} body {{ font-family: "Leerhuis Sans" }}</style>'
                    f'<p>Bewijs van deelname <b data-field>{name}</b></p></html>'
                    for name in ("Regionaal", "Leerhuis")])
    except Exception:  # only a head start: a real render reports a real problem
        logging.getLogger(__name__).exception("PDF-werkproces: opwarmen mislukt")
    _kept_pages = OrderedDict()


def _layout_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=worker_count(),
                                    mp_context=multiprocessing.get_context("forkserver"),
                                    initializer=_warm_child)
    return _pool


@contextlib.contextmanager
def layout_processes() -> Iterator[None]:
    """Layout processes for one bulk run: started when the run first needs them, ended with
    it (also when it fails), so none outlive it. A pool kept for the life of a worker would
    outlive a killed worker."""
    global _pool
    outer, _pool = _pool, None
    try:
        yield
    finally:
        own, _pool = _pool, outer
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True


def warm_pool() -> None:
    """Start every layout process and load its fonts now, so that the first bulk run of a
    long-lived worker does not pay for it (the pool lives as long as the process)."""
    pool = _layout_pool()
    # One task per process: the pool starts a new process for a task while none is idle.
    for future in [pool.submit(_ready) for _ in range(worker_count())]:
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
