"""Browser tests: the real app under uvicorn, driven in Debian's Chromium by Playwright.

Nothing is downloaded at test time: Chromium comes from the system (`apt-get install
chromium`). Without it these tests are skipped, except under CI, where that is a failure.
Every page a test visits is watched: a console error, a failed request or a request to any
host but the app's own fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.serve import running_server

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    explicit = os.environ.get("DLCARDS_CHROMIUM")
    if explicit:
        return explicit
    return next((p for name in CHROMIUM_CANDIDATES if (p := shutil.which(name))), None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [i for i in items if "tests/browser" in str(i.path)]
    if not browser_items or chromium_path() is not None:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI: Chromium is missing; install it (apt-get install chromium)")
    skip = pytest.mark.skip(reason="skipped: no Chromium (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """The app served by uvicorn on a free port, a temp database, the real question bank."""
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What went wrong on the pages of one test."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    # Statuses a test provokes on purpose (e.g. 422 for an invalid demo value): Chromium logs
    # every 4xx as a console error, which is then not a fault of the page.
    expected_statuses: set[int] = field(default_factory=set)

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("requestfailed", self._on_failed)
        page.on("request", self._on_request)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        expected = (f"status of {status} " for status in self.expected_statuses)
        if message.text.startswith("Failed to load resource") and any(
            e in message.text for e in expected
        ):
            return
        self.console_errors.append(message.text)

    def _on_failed(self, request) -> None:
        # A navigation away while htmx requests are pending aborts them; that is not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.failed_requests.append(f"{request.url}: {request.failure}")

    def _on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https") and f"{url.scheme}://{url.netloc}" != self.origin:
            self.foreign_requests.append(request.url)

    def assert_clean(self) -> None:
        assert self.console_errors == [], "console errors"
        assert self.failed_requests == [], "failed requests"
        assert self.foreign_requests == [], "requests to other hosts"


def _context(browser, base_url: str, **options):
    return browser.new_context(base_url=base_url, **options)


@pytest.fixture
def watch(base_url: str) -> PageWatch:
    return PageWatch(origin=base_url)


@pytest.fixture
def page(browser, base_url: str, watch: PageWatch) -> Iterator[object]:
    context = _context(browser, base_url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()
    watch.assert_clean()


@pytest.fixture
def nojs_page(browser, base_url: str, watch: PageWatch) -> Iterator[object]:
    context = _context(browser, base_url, java_script_enabled=False)
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()
    watch.assert_clean()


def screenshot(page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
