"""Access requests (issue #18): an agent without a role asks; the structure's managers (else the programme team)
are told by e-mail and on their dashboard; accepted or refused with a reason, the agent is told."""

import pytest
from django.core import mail
from django.urls import reverse

from cnum.access.enums import AccessRequestStatus
from cnum.access.models import AccessRequest
from cnum.accounts.enums import Role
from cnum.core.models import AuditEvent
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

SIRET = "21690266800013"


@pytest.fixture
def structure():
    return StructureFactory(identifier=SIRET, name="Mairie de Villeurbanne")


@pytest.fixture
def agent(structure):
    return UserFactory(email="agent@villeurbanne.fr", proconnect_siret=SIRET, proconnect_sub="abc")


def test_the_agent_is_offered_its_proconnect_structure(client, agent, structure):
    client.force_login(agent)
    assert reverse("access:request") in client.get(reverse("core:dashboard")).content.decode()
    page = client.get(reverse("access:request")).content.decode()
    assert "Mairie de Villeurbanne" in page and f'value="structure:{structure.pk}"' in page


def test_the_managers_accept_and_the_agent_gets_the_role(client, agent, structure):
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="chef@villeurbanne.fr")
    UserFactory(programme_team=True, email="equipe@programme.fr")
    client.force_login(agent)
    body = {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{SIRET}", "message": "Je remplace Mme Durand."}
    assert client.post(reverse("access:request"), body).status_code == 302
    assert mail.outbox[-1].to == ["chef@villeurbanne.fr"]
    access_request = AccessRequest.objects.get()

    client.force_login(manager.user)
    assert "1 demande d'accès à traiter" in client.get(reverse("core:dashboard")).content.decode()
    client.post(reverse("access:request_decide", args=[access_request.pk]), {"decision": "accept"})
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.ACCEPTED and access_request.decided_by == manager.user
    assert agent.roles.get().scope_id == str(structure.pk)
    assert mail.outbox[-1].to == ["agent@villeurbanne.fr"] and "acceptée" in mail.outbox[-1].subject


def test_without_a_manager_the_programme_team_decides_and_a_refusal_needs_a_reason(client, agent, structure):
    team = UserFactory(programme_team=True, email="equipe@programme.fr")
    client.force_login(agent)
    client.post(reverse("access:request"), {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{structure.pk}"})
    assert mail.outbox[-1].to == ["equipe@programme.fr"]
    access_request = AccessRequest.objects.get()
    client.force_login(team)
    client.post(reverse("access:request_decide", args=[access_request.pk]), {"decision": "refuse"})
    access_request.refresh_from_db()
    assert access_request.is_pending
    client.post(
        reverse("access:request_decide", args=[access_request.pk]), {"decision": "refuse", "reason": "Inconnu."}
    )
    access_request.refresh_from_db()
    assert access_request.status == AccessRequestStatus.REFUSED
    assert not agent.roles.exists()
    assert "refusée" in mail.outbox[-1].subject and "Inconnu." in mail.outbox[-1].body
    assert AuditEvent.objects.filter(content_type__model="accessrequest", action="update", actor_id=team.pk).exists()


def test_another_structures_manager_cannot_decide(client, agent, structure):
    RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure)
    stranger = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=StructureFactory()).user
    client.force_login(agent)
    client.post(reverse("access:request"), {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{structure.pk}"})
    client.force_login(stranger)
    response = client.post(
        reverse("access:request_decide", args=[AccessRequest.objects.get().pk]), {"decision": "accept"}
    )
    assert response.status_code == 404
    assert not agent.roles.exists()


def test_the_programme_role_cannot_be_requested(client, agent):
    client.force_login(agent)
    response = client.post(reverse("access:request"), {"role": Role.PROGRAMME_TEAM, "scope": "national"})
    assert response.status_code == 200 and not AccessRequest.objects.exists()
