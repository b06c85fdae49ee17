"""The ProConnect agent without a role is no longer at a dead end (issue #18 "Done when"): it asks for access to the
structure of its SIRET, the structure's manager accepts, the agent signs in again and lands on its home page. Against
the local OpenID Connect provider of tests/accounts/test_oidc.py."""

import requests
from django.core import mail
from django.test import Client
from django.urls import reverse

from cnum.access.models import AccessRequest
from cnum.accounts.enums import Role
from tests.accounts.factories import RoleAssignmentFactory
from tests.accounts.test_oidc import (  # noqa: F401 — the provider and its fixtures
    SIRET,
    Forms,
    private_key_pem,
    provider,
    provider_account,
    through_provider,
)
from tests.structures.factories import StructureFactory


def test_an_agent_asks_the_manager_accepts_and_the_agent_lands_on_its_home_page(provider):  # noqa: F811
    structure = StructureFactory(identifier=SIRET, name="Mairie de Villeurbanne")
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="chef@ville.fr").user
    account = provider_account(email="agent@villeurbanne.fr")
    browser = requests.Session()

    landing = browser.get(through_provider(browser, provider, account.email))
    assert reverse("access:request") in landing.text
    request_url = f"{provider.cnum_url}{reverse('access:request')}"
    fields = Forms(browser.get(request_url).text).having("scope")
    assert fields["scope"] == f"structure:{structure.pk}"  # the structure of its ProConnect SIRET, proposed
    sent = browser.post(request_url, data=fields | {"role": Role.STRUCTURE_MANAGER, "message": "Nouvel agent."})
    assert sent.url == f"{provider.cnum_url}{reverse('core:dashboard')}"
    assert mail.outbox[-1].to == ["chef@ville.fr"]

    decider = Client()
    decider.force_login(manager)
    access_request = AccessRequest.objects.get()
    decider.post(reverse("access:request_decide", args=[access_request.pk]), {"decision": "accept"})
    assert mail.outbox[-1].to == ["agent@villeurbanne.fr"]

    again = requests.Session()
    landing = again.get(through_provider(again, provider, account.email))
    assert landing.url == f"{provider.cnum_url}{reverse('core:dashboard')}"
    assert "Vous agissez en tant que <strong>Gestionnaire de structure</strong>" in landing.text
