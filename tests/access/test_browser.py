"""Accounts and access without the admin, in a real Chromium (issue #18 "Done when"): the programme team invites a
structure manager, who accepts and invites an advisor, who accepts and records an activity; /comptes/ opens to the
structure manager and the programme team, not to an advisor. On every page, the journeys' checks (console,
accessibility: tests/journeys/conftest.py)."""

import re

import pytest
from django.core import mail

from cnum.accounts.enums import Role
from cnum.activities.models import Activity
from tests.accounts.factories import PASSWORD, RoleAssignmentFactory, UserFactory
from tests.activities.test_browser import CHROMIUM, tick
from tests.advisors.factories import ContractFactory, SiteAssignmentFactory
from tests.journeys.conftest import journey  # noqa: F401 — the browser tab with its checks
from tests.structures.factories import StructureFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def invitation_path() -> str:
    return re.search(r"https?://[^/\s]+(/invitation/\S+/)", mail.outbox[-1].body).group(1)


def invite(tab, email: str, role_label: str, scope: str | None = None):
    page = tab.visit("access:accounts")
    page.get_by_role("link", name="Inviter une personne").click()
    tab.checked()
    page.locator("input[name=email]").fill(email)
    page.locator("select[name=role]").select_option(label=role_label)
    if scope is not None:
        page.locator("input[name=scope]").fill(scope)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.wait_for_url(tab.url("access:accounts"))
    tab.checked()
    assert email in page.content()


def accept(tab, first_name: str):
    page = tab.page
    page.context.clear_cookies()
    page.goto(tab.base_url + invitation_path())
    tab.checked()
    page.locator("input[name=first_name]").fill(first_name)
    page.locator("input[name=last_name]").fill("Invité")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte et accepter").click()
    page.wait_for_url(tab.url("core:dashboard"))
    tab.checked()


def test_invitations_from_the_programme_team_down_to_an_activity_without_the_admin(journey, transactional_db):  # noqa: F811
    visited = []
    journey.page.on("framenavigated", lambda frame: visited.append(frame.url))
    structure = StructureFactory(name="Ville de Lyon")
    contract = ContractFactory(advisor__email="camille@lyon.fr", structure=structure)
    SiteAssignmentFactory(advisor=contract.advisor, site__name="Médiathèque du Centre")
    team = UserFactory(programme_team=True)

    journey.login(team.email)
    invite(journey, "gestion@lyon.fr", "Gestionnaire de structure", f"structure:{structure.identifier}")
    accept(journey, "Dominique")
    assert "Gestionnaire de structure" in journey.page.content()

    invite(journey, "camille@lyon.fr", "Conseiller numérique")
    journey.shoot("comptes-invitation")
    accept(journey, "Camille")
    assert "Conseiller numérique" in journey.page.content()

    page = journey.visit("activities:create")
    tick(page, "E-mail", exact=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(journey.url("activities:list"))
    journey.checked()
    assert Activity.objects.get().advisor == contract.advisor
    assert not [url for url in visited if "/admin/" in url]


def test_the_accounts_page_opens_to_managers_and_the_programme_team_not_to_an_advisor(journey, transactional_db):  # noqa: F811
    structure = StructureFactory(name="Ville de Lyon")
    RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="structure@demo.cnum.fr")
    advisor = ContractFactory(advisor__with_account=True, structure=structure).advisor
    team = UserFactory(programme_team=True)

    for email in ("structure@demo.cnum.fr", team.email):
        journey.login(email)
        page = journey.visit("access:accounts")
        assert page.get_by_role("heading", name="Comptes", exact=True).is_visible()
        assert advisor.user.email in page.content()

    journey.login(advisor.user.email)
    response = journey.page.goto(journey.url("access:accounts"))
    assert response.status == 403
