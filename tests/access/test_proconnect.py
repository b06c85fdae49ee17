"""The ProConnect agent without a role is no longer at a dead end (issue #18 "Done when"): it asks for access to the
structure of its SIRET, the structure's manager accepts, the agent signs in again and lands on its home page. And an
invitee accepts its invitation through ProConnect instead of a password. Against the local OpenID Connect provider of
tests/accounts/test_oidc.py."""

import html
import re

import requests
from django.core import mail
from django.test import Client
from django.urls import reverse

from cnum.access.models import AccessRequest, Invitation
from cnum.accounts.enums import Role
from cnum.accounts.models import User
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
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


def test_an_invitee_accepts_through_proconnect_and_lands_on_its_home_page_with_the_role(provider, settings):  # noqa: F811
    settings.CNUM_SITE_URL = provider.cnum_url
    structure = StructureFactory(name="Ville de Lyon")
    inviter = Client()
    inviter.force_login(UserFactory(programme_team=True))
    body = {
        "email": "nouvelle.gestionnaire@lyon.fr",
        "role": Role.STRUCTURE_MANAGER,
        "scope": f"structure:{structure.pk}",
    }
    assert inviter.post(reverse("access:invite"), body).status_code == 302
    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    account = provider_account(email="Nouvelle.Gestionnaire@lyon.fr")
    browser = requests.Session()

    invitation_page = browser.get(link)
    proconnect = html.unescape(re.search(r'href="(/oidc/authenticate/\?next=[^"]+)"', invitation_page.text).group(1))
    back = browser.get(through_provider(browser, provider, account.email, start=proconnect))
    assert back.url == link  # back on the invitation, signed in with the invited address
    accepted = browser.post(link, data=Forms(back.text).having("csrfmiddlewaretoken"))

    assert accepted.url == f"{provider.cnum_url}{reverse('core:dashboard')}"
    assert "Vous agissez en tant que <strong>Gestionnaire de structure</strong>" in accepted.text
    invitee = User.objects.get(email__iexact="nouvelle.gestionnaire@lyon.fr")
    assert invitee.proconnect_sub == str(account.pk)
    assert invitee.roles.get().scope == structure
    assert Invitation.objects.get().accepted_at is not None
    assert "Lien expiré" in requests.get(link).text  # single-use
