"""Changing a role in one step on /comptes/ (issue #18: "change or remove a role"): another role and/or scope the
caller may grant, with the checks of an invitation; the old role's API tokens are revoked; audited with its author."""

import pytest
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from cnum.api.models import ApiToken
from cnum.core.models import AuditEvent
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lyon():
    structure = StructureFactory(name="Ville de Lyon")
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="gestion@lyon.fr").user
    advisor = AdvisorFactory(with_account=True, user__email="conseil@lyon.fr", email="conseil@lyon.fr")
    ContractFactory(advisor=advisor, structure=structure)
    return {"structure": structure, "manager": manager, "advisor": advisor}


def change_url(assignment) -> str:
    return reverse("access:role_change", args=[assignment.pk])


def test_a_manager_makes_its_advisor_a_co_manager_in_one_step(client, lyon):
    advisor_user = lyon["advisor"].user
    assignment = advisor_user.roles.get()
    token, _ = ApiToken.issue(name="Logiciel", owner=advisor_user, advisor=lyon["advisor"])
    client.force_login(lyon["manager"])

    body = {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{lyon['structure'].pk}"}
    response = client.post(change_url(assignment), body)

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.role, assignment.scope) == (Role.STRUCTURE_MANAGER, lyon["structure"])
    assert advisor_user.roles.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is not None  # the advisor's token: cnum.api.signals on the assignment's save
    change = AuditEvent.objects.get(content_type__model="roleassignment", action="update", object_id=assignment.pk)
    assert change.actor_id == lyon["manager"].pk
    assert change.changes["role"] == [Role.ADVISOR, Role.STRUCTURE_MANAGER]


def test_the_programme_team_moves_a_manager_to_another_structure_and_its_tokens_go(client, lyon):
    other = StructureFactory(name="Ville de Villeurbanne")
    assignment = lyon["manager"].roles.get()
    token, _ = ApiToken.issue(name="Logiciel", owner=lyon["manager"], structure=lyon["structure"])
    client.force_login(UserFactory(programme_team=True))

    response = client.post(change_url(assignment), {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{other.pk}"})

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.scope == other
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    ("label", "body"),
    [
        (
            "another structure",
            lambda world: {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{world['other'].pk}"},
        ),
        ("a role above its own", lambda world: {"role": Role.PROGRAMME_TEAM, "scope": "national"}),
        ("a prefecture", lambda world: {"role": Role.PREFECTURE_DEPARTEMENT, "scope": "departement:69"}),
    ],
)
def test_a_manager_cannot_change_a_role_beyond_its_scope_nor_above_its_role(client, lyon, label, body):
    lyon["other"] = StructureFactory()
    assignment = lyon["advisor"].user.roles.get()
    client.force_login(lyon["manager"])

    response = client.post(change_url(assignment), body(lyon))

    assert response.status_code == 200, label
    assert response.context["form"].errors
    assignment.refresh_from_db()
    assert assignment.role == Role.ADVISOR
    assert not AuditEvent.objects.filter(content_type__model="roleassignment", action="update").exists()


def test_a_role_already_held_is_refused_and_the_page_says_so(client, lyon):
    co_manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=lyon["structure"]).user
    second = RoleAssignmentFactory(role=Role.HUB, user=co_manager)
    client.force_login(UserFactory(programme_team=True))
    body = {"role": Role.STRUCTURE_MANAGER, "scope": f"structure:{lyon['structure'].pk}"}
    response = client.post(change_url(second), body)
    assert response.status_code == 200
    assert "a déjà ce rôle" in response.content.decode()
    assert RoleAssignment.objects.get(pk=second.pk).role == Role.HUB


def test_nobody_changes_its_own_role_nor_one_outside_its_scope(client, lyon):
    elsewhere = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=StructureFactory())
    client.force_login(lyon["manager"])
    body = {"role": Role.ADVISOR, "scope": f"structure:{lyon['structure'].pk}"}
    assert client.post(change_url(elsewhere), body).status_code == 404
    assert client.post(change_url(lyon["manager"].roles.get()), body).status_code == 403


def test_the_accounts_page_offers_the_change_for_the_roles_the_caller_manages_only(client, lyon):
    client.force_login(lyon["manager"])
    page = client.get(reverse("access:accounts")).content.decode()
    assert change_url(lyon["advisor"].user.roles.get()) in page
    assert change_url(lyon["manager"].roles.get()) not in page
    assert "Changer le rôle Conseiller numérique de conseil@lyon.fr" in page
