"""Shared by the journeys: a real Chromium on the live server, signing in, and on every page visited an accessibility
check (axe-core, WCAG 2 A/AA) and a watch on the console (any error, CSP violations included, fails the journey)."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from tests.activities.test_browser import ARGS, CHROMIUM

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
#: The WCAG 2.0 and 2.1 success criteria of levels A and AA (RGAA 4 follows them).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


class Journey:
    """A browser tab for one journey. `visit()` and `checked()` run the checks on the page now shown."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(f"erreur JavaScript : {error}"))

    def url(self, name: str, *args, query: str = "") -> str:
        return self.base_url + reverse(name, args=args) + (f"?{query}" if query else "")

    def visit(self, name: str, *args, query: str = ""):
        self.page.goto(self.url(name, *args, query=query))
        self.checked()
        return self.page

    def login(self, email: str) -> None:
        self.page.context.clear_cookies()
        self.page.goto(self.url("accounts:login"))
        self.checked()
        self.page.fill("input[name=username]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.locator("form button[type=submit]").last.click()
        self.page.wait_for_load_state()

    def checked(self) -> None:
        """No console error so far, and no serious or critical accessibility violation on the page shown."""
        self.page.wait_for_load_state()
        assert not self.console_errors, f"erreurs dans la console sur {self.page.url} :\n" + "\n".join(
            self.console_errors
        )
        # The page's CSP forbids inline scripts, so a <script> tag with axe's source would be refused (and would
        # itself be reported as a violation). page.evaluate() runs through the DevTools protocol, which the CSP
        # does not govern: axe is injected that way and the page keeps its real policy (no bypass_csp).
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
        assert not blocking, f"accessibilité ({self.page.url}) :\n" + "\n".join(describe(v) for v in blocking)

    def shoot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"parcours-{name}.png"), full_page=True)


def describe(violation: dict) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = f" (+{len(violation['nodes']) - 5})" if len(violation["nodes"]) > 5 else ""
    return f"- [{violation['impact']}] {violation['id']} : {violation['help']} — {targets}{more}"


@pytest.fixture
def journey(live_server, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls without this.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page.set_default_timeout(20_000)
        yield Journey(page, live_server.url)
        browser.close()
