"""/comptes/ (issue #18): the accounts of the caller's scope, their roles, status, last login and second factor;
removing a role or deactivating revokes the API tokens; CSV export through the formula-safe cells."""

import csv
import io

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cnum.access.services import invitation_send, target_read
from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from cnum.api.models import ApiToken
from cnum.core.models import AuditEvent
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lyon():
    structure = StructureFactory(name="Ville de Lyon")
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="gestion@lyon.fr").user
    advisor = AdvisorFactory(with_account=True, user__email="conseil@lyon.fr", email="conseil@lyon.fr")
    ContractFactory(advisor=advisor, structure=structure)
    return {"structure": structure, "manager": manager, "advisor": advisor}


def test_a_manager_sees_the_accounts_of_its_structure_only(client, lyon):
    RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=StructureFactory(), user__email="ailleurs@exemple.fr")
    TOTPDevice.objects.create(user=lyon["manager"], name="téléphone", confirmed=True)
    client.force_login(lyon["manager"])
    page = client.get(reverse("access:accounts")).content.decode()
    assert "gestion@lyon.fr" in page and "conseil@lyon.fr" in page
    assert "ailleurs@exemple.fr" not in page
    assert "activée" in page


def test_an_advisor_and_a_coordinator_get_403(client, lyon):
    client.force_login(lyon["advisor"].user)
    assert client.get(reverse("access:accounts")).status_code == 403
    assert client.get(reverse("access:accounts_export")).status_code == 403


def test_a_prefecture_reads_the_accounts_of_its_territory_but_invites_nobody(client, lyon):
    prefecture = RoleAssignmentFactory(
        role=Role.PREFECTURE_DEPARTEMENT, scope=lyon["structure"].departement, user__email="pref@rhone.gouv.fr"
    ).user
    client.force_login(prefecture)
    page = client.get(reverse("access:accounts")).content.decode()
    assert "gestion@lyon.fr" in page and "pref@rhone.gouv.fr" in page
    assert reverse("access:invite") not in page
    assert client.get(reverse("access:invite")).status_code == 403


def test_removing_the_advisor_role_revokes_its_tokens_and_is_audited(client, lyon):
    advisor_user = lyon["advisor"].user
    token, _ = ApiToken.issue(name="Logiciel", owner=advisor_user, advisor=lyon["advisor"])
    client.force_login(lyon["manager"])
    assignment = advisor_user.roles.get()
    assert client.post(reverse("access:role_remove", args=[assignment.pk])).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    token.refresh_from_db()
    assert token.revoked_at is not None
    removal = AuditEvent.objects.get(content_type__model="roleassignment", action="delete")
    assert removal.actor_id == lyon["manager"].pk


def test_deactivating_revokes_every_token(client, lyon):
    advisor_user = lyon["advisor"].user
    token, _ = ApiToken.issue(name="Logiciel", owner=advisor_user, advisor=lyon["advisor"])
    client.force_login(lyon["manager"])
    assert client.post(reverse("access:deactivate", args=[advisor_user.pk])).status_code == 302
    advisor_user.refresh_from_db()
    token.refresh_from_db()
    assert not advisor_user.is_active and token.revoked_at is not None
    page = client.get(reverse("access:accounts")).content.decode()
    assert "Désactivé" in page


def test_a_manager_cannot_remove_the_role_of_another_structure_nor_deactivate_it(client, lyon):
    elsewhere = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=StructureFactory())
    client.force_login(lyon["manager"])
    assert client.post(reverse("access:role_remove", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("access:deactivate", args=[elsewhere.user.pk])).status_code == 404
    assert client.post(reverse("access:deactivate", args=[lyon["manager"].pk])).status_code == 403
    assert RoleAssignment.objects.filter(pk=elsewhere.pk).exists()


def test_the_csv_export_lists_the_same_accounts_with_safe_cells(client, lyon):
    lyon["manager"].first_name = "=HYPERLINK(1)"
    lyon["manager"].save()
    invitation_send(
        granter=None,
        email="nouveau@lyon.fr",
        target=target_read(Role.STRUCTURE_MANAGER, f"structure:{lyon['structure'].pk}"),
    )
    client.force_login(lyon["manager"])
    response = client.get(reverse("access:accounts_export"))
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][0] == "Adresse électronique"
    by_email = {row[0]: row for row in rows[1:]}
    assert set(by_email) == {"gestion@lyon.fr", "conseil@lyon.fr", "nouveau@lyon.fr"}
    assert by_email["nouveau@lyon.fr"][3] == "Invité"
    assert not by_email["gestion@lyon.fr"][1].startswith("=")


def test_the_programme_team_sees_every_account(client, lyon):
    DepartementFactory(code="13")
    team = UserFactory(programme_team=True)
    client.force_login(team)
    page = client.get(reverse("access:accounts")).content.decode()
    assert "gestion@lyon.fr" in page and "conseil@lyon.fr" in page and team.email in page


def test_invitations_and_requests_name_their_scope_in_words():
    """The scope is stored as "structure:12"; people read "Structure employeuse Ville de Lyon"."""
    from cnum.access.models import readable_scope

    structure = StructureFactory(name="Ville de Lyon")
    assert readable_scope(f"structure:{structure.pk}") == "Structure employeuse Ville de Lyon"
    assert readable_scope("national") == "France entière"
    assert readable_scope("inconnu:1") == "inconnu:1"
