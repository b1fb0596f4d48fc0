"""A real headless browser (Debian's chromium, driven by Playwright) against a real Daphne.

Screenshots are kept in `test-artifacts/` (git-ignored) for a person to look at. Where chromium is not
installed (a newcomer's machine), these tests skip and say so; CI installs it (.ci/run).
"""

import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As the machine's notes advise: no background traffic, no sandbox as root, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium(monkeypatch):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, which Django takes for async code; the
    # test's own database calls are plain synchronous calls all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OfflinePage:
    """A page that may only reach the server under test: any other request is refused and recorded."""

    def __init__(self, browser, base_url: str, width: int = 1366, height: int = 900, javascript: bool = True):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="fr-FR", java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.outside: list[str] = []
        self.page.route("**/*", self._only_local)
        # What the Content-Security-Policy refused (an inline script without the nonce…): a page that works
        # only without the policy fails its test, whatever the test looks at.
        self.refused_by_policy: list[str] = []
        self.page.on("console", self._policy_refusal)

    def _policy_refusal(self, message):
        if "Content Security Policy" in message.text:
            self.refused_by_policy.append(f"{self.page.url}: {message.text}")

    def _only_local(self, route):
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(chromium):
    pages = []

    def open_page(base_url, **size):
        page = OfflinePage(chromium, base_url, **size)
        pages.append(page)
        return page

    yield open_page
    refused = [line for page in pages for line in page.refused_by_policy]
    for page in pages:
        page.close()
    assert refused == []
