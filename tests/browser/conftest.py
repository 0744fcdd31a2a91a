"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The portal runs in this process on a free port (werkzeug, threaded) with its own database
built by the migrations, the real SMTP sink of ``tests/conftest.py``, CSRF on, and a Huey
consumer thread that runs the background work (outbox, invitations, certificate runs) as the
production worker does. Every page a journey visits is checked with axe-core for WCAG 2.1
A/AA; a journey fails when it leaves a page that was not checked.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import MIGRATIONS, database_url_for, free_port, make_test_config, make_user
from flask import Flask
from flask_migrate import upgrade
from huey import MemoryHuey
from huey.consumer import Consumer
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from leerhuis import create_app, tasks
from leerhuis.extensions import db, take_sqlite_write_lock
from leerhuis.models import (
    ApprovalStatus,
    Municipality,
    Organisation,
    OrganisationType,
    OrganiserRole,
    Region,
    utcnow,
)
from leerhuis.services import anonymisation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Long enough for a PDF run on a loaded CI machine, short enough to fail a hung journey.
TIMEOUT_MS = 20_000


@dataclass
class LiveServer:
    app: Flask
    url: str

    def path(self, path: str) -> str:
        return self.url + path


@dataclass
class BaseData:
    region_id: int
    provider_id: int
    team_id: int
    regio_email: str
    organisator_email: str


def _seed_base_data() -> BaseData:
    """The region, two organisations and the two staff accounts every journey needs."""
    region = Region(slug="gooi-en-vechtstreek", name="Gooi en Vechtstreek",
                    leerhuis_name="Regionaal Leerhuis Gooi en Vechtstreek",
                    signatory_name="Programmamanager Jeugd",
                    signatory_function="Regio Gooi en Vechtstreek")
    region.municipalities = [Municipality(name=n) for n in ("Hilversum", "Huizen", "Wijdemeren")]
    db.session.add(region)
    db.session.flush()
    provider = Organisation(name="Gezinshuis De Linde", type=OrganisationType.ZORGAANBIEDER,
                            region=region, municipality=region.municipalities[1],
                            status=ApprovalStatus.APPROVED)
    team = Organisation(name="Jeugdteam Hilversum", type=OrganisationType.GEMEENTE,
                        region=region, municipality=region.municipalities[0],
                        status=ApprovalStatus.APPROVED)
    db.session.add_all([provider, team])
    db.session.commit()
    make_user(region, "regio@example.org", admin=True, first_name="Regio",
              last_name="Beheerder", function="beleidsmedewerker")
    organisator = make_user(region, "organisator@example.org", organisation=provider,
                            first_name="Mila", last_name="de Vries",
                            function="coördinator gezinshuizen")
    db.session.add(OrganiserRole(user=organisator, organisation=provider,
                                 status=ApprovalStatus.APPROVED, decided_at=utcnow()))
    db.session.commit()
    return BaseData(region.id, provider.id, team.id, "regio@example.org",
                    "organisator@example.org")


def _start_consumer(app: Flask) -> Consumer:
    """A real Huey worker and scheduler in threads of this process, running tasks in the
    live app (as ``huey_consumer`` does with the app it creates). ``Consumer.start`` is not
    used because it installs signal handlers, which would take Ctrl-C away from pytest."""
    # Each pytest worker needs its own queue; a shared SQLite or Redis queue would hand this
    # worker's tasks to another worker's live server.
    assert isinstance(tasks.huey, MemoryHuey), "tests run with LEERHUIS_HUEY=memory"
    tasks.huey.flush()  # tasks queued by earlier tests in this worker belong to other databases
    tasks._worker_app = app
    # One worker, as SQLite allows one writer; the web threads write beside it.
    consumer = Consumer(tasks.huey, workers=1, periodic=True, worker_type="thread",
                        initial_delay=0.05, max_delay=0.2, check_worker_health=False)
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    return consumer


@pytest.fixture(scope="package")
def live_server(tmp_path_factory, smtp_server):
    tmp_dir = tmp_path_factory.mktemp("browser")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(make_test_config(
        database_url_for(tmp_dir, "browser"), tmp_dir, WTF_CSRF_ENABLED=True, BASE_URL=url,
        MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        app.extensions["browser_base_data"] = _seed_base_data()
    anonymisation._load_deduce()  # the guard's first use must not time out a page load
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    consumer = _start_consumer(app)
    try:
        yield LiveServer(app, url)
    finally:
        consumer.stop(graceful=True)
        tasks._worker_app = None
        tasks.huey.flush()
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="package")
def app(live_server):
    """The live app: pytest-flask pushes its request context, so test code can query the
    database the server writes to."""
    return live_server.app


@pytest.fixture
def base(live_server) -> BaseData:
    return live_server.app.extensions["browser_base_data"]


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium ontbreekt: `make install` installeert het Debian-pakket chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- Accessibility -------------------------------------------------------------------------

_AXE = Axe()


def _page_key(url: str) -> str:
    """A path with ids folded, so '/activiteiten/12' and '/activiteiten/13' are one page."""
    parts = urlsplit(url)
    return re.sub(r"/\d+(?=/|$|\.)", "/<id>", parts.path)


@dataclass
class Pages:
    """Every HTML page a journey's browser contexts visited, and which of them axe checked."""

    visited: dict[str, str] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)

    def watch(self, page: Page) -> None:
        def on_response(response):
            if (
                response.request.is_navigation_request()
                and response.frame == page.main_frame
                and not 300 <= response.status < 400
                and "text/html" in (response.headers.get("content-type") or "")
            ):
                self.visited.setdefault(response.url.split("#")[0], _page_key(response.url))

        page.on("response", on_response)

    def axe(self, page: Page) -> None:
        """Zero WCAG 2.1 A/AA violations on the page as it is now."""
        results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                          "resultTypes": ["violations"]})
        violations = results.response["violations"]
        assert not violations, f"axe op {page.url}:\n" + results.generate_report()
        self.checked.add(page.url.split("#")[0])
        _CHECKED_KEYS.add(_page_key(page.url))

    def unchecked(self) -> list[str]:
        return sorted(url for url in self.visited if url not in self.checked)


_CHECKED_KEYS: set[str] = set()


@pytest.fixture
def pages(request):
    tracker = Pages()
    yield tracker
    if getattr(request.node, "rep_call_passed", False):
        assert not tracker.unchecked(), f"pagina's zonder axe-controle: {tracker.unchecked()}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call_passed = report.passed


def pytest_sessionfinish(session, exitstatus):
    if _CHECKED_KEYS:
        ARTIFACTS.mkdir(exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (ARTIFACTS / f"axe-pages-{worker}.txt").write_text(
            "\n".join(sorted(_CHECKED_KEYS)) + "\n", encoding="utf-8")


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer, pages: Pages):
    """``new_page()`` opens a fresh browser context (a separate person) on the live server."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: dict | None = None) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP,
                                      locale="nl-NL", timezone_id="Europe/Amsterdam",
                                      accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        pages.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop width into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    original = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)


# --- Keyboard ------------------------------------------------------------------------------

_FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return (el.getAttribute("aria-label") || label || el.innerText || el.value || "").trim();
}"""


# Axe cannot see focus styles; WCAG 2.4.7 asks that keyboard focus is visible.
_FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
    || style.boxShadow !== "none";
}"""


def tab_to(page: Page, name: str | re.Pattern, *, limit: int = 120) -> None:
    """Press Tab until the focused element's accessible text matches ``name``; the element
    must show a visible focus indicator."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED_NAME)
        seen.append(focused)
        if (name.search(focused) if isinstance(name, re.Pattern) else name in focused):
            assert page.evaluate(_FOCUS_VISIBLE), f"geen zichtbare focus op {focused!r}"
            return
    raise AssertionError(f"Tab bereikt {name!r} niet; gezien: {seen}")


# --- Test-side writes ----------------------------------------------------------------------

def write_first() -> None:
    """Start this thread's next transaction with a write. The server's threads and the Huey
    worker write at the same time; SQLite fails a transaction that read first when it
    starts writing (its snapshot is stale), but lets one that writes first wait its turn."""
    db.session.rollback()
    take_sqlite_write_lock(db.session)


# --- People and mail -----------------------------------------------------------------------

STAFF_PASSWORD = "correct-horse-battery"  # make_user's password (tests/conftest.py)


def login(page: Page, email: str, pages: Pages, password: str = STAFF_PASSWORD) -> None:
    page.goto("/inloggen")
    pages.axe(page)
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "/inloggen" not in url)
    pages.axe(page)


def wait_for_mail(smtp, address: str, subject_part: str, timeout: float = 20):
    """The first mail to ``address`` whose subject contains ``subject_part``, once the
    background worker has delivered it to the SMTP server."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in smtp.to(address):
            if subject_part.lower() in mail.subject.lower():
                return mail
        time.sleep(0.1)
    raise AssertionError(f"geen mail '{subject_part}' aan {address}: "
                         f"{[m.subject for m in smtp.to(address)]}")
