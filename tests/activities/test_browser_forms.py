"""Form labels never break a word, at 1280 px and at 375 px; the place decides which field shows (Chromium)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory
from tests.activities.test_browser import CHROMIUM, page, tick  # noqa: F401 (fixture)
from tests.advisors.factories import ContractFactory, SiteAssignmentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]
#: Where to keep the screenshots, to look at them (unset: none are written).
SHOTS = os.environ.get("CNUM_TEST_SCREENSHOTS")

# Every word of every label, hint and legend: a word drawn on more than one line is broken.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const element of document.querySelectorAll("label, legend, .fr-hint-text")) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


def sign_in(live_server, page, email):  # noqa: F811
    page.goto(live_server.url + reverse("accounts:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.fixture
def advisor(transactional_db):
    contract = ContractFactory(advisor__with_account=True)
    SiteAssignmentFactory(advisor=contract.advisor, site__name="Médiathèque du Centre")
    return contract.advisor


@pytest.mark.parametrize("width", [1280, 375])
def test_no_label_breaks_a_word(live_server, page, advisor, width):  # noqa: F811
    programme = UserFactory(programme_team=True)
    page.set_viewport_size({"width": width, "height": 900})
    for email, url in (
        (advisor.user.email, reverse("activities:create")),
        (programme.email, reverse("structures:list")),
        (programme.email, reverse("core:audit_log")),
        (programme.email, reverse("advisors:list")),
    ):
        sign_in(live_server, page, email)
        page.goto(live_server.url + url)
        assert "Optionnel" not in page.content()
        assert page.evaluate(BROKEN_WORDS) == [], url
        if SHOTS:
            name = url.strip("/").replace("/", "-") or "accueil"
            page.screenshot(path=Path(SHOTS) / f"{name}-{width}.png", full_page=True)
        page.context.clear_cookies()


def test_the_place_decides_between_site_and_commune(live_server, page, advisor):  # noqa: F811
    sign_in(live_server, page, advisor.user.email)
    page.goto(live_server.url + reverse("activities:create"))
    assert page.locator("#id_site").is_visible()
    assert page.locator("[data-only-for-place='domicile autre']").is_hidden()
    tick(page, "À domicile")
    assert page.locator("[data-only-for-place=lieu_activite]").is_hidden()
    assert page.locator("#id_commune").is_visible() and page.locator("#id_site").is_hidden()
