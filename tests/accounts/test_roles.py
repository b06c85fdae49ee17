import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rhone():
    """The Rhône, fetched or created by code: the real COG, loaded once per session outside the tests' transactions
    by any test that used the `cog` fixture before these, already holds it."""
    return DepartementFactory()


def test_a_user_with_several_roles_acts_in_the_widest_by_default(rhone):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.ADVISOR)
    prefecture = RoleAssignmentFactory(user=user, role=Role.PREFECTURE_DEPARTEMENT, scope=rhone)
    assert user.active_role == prefecture
    assert prefecture.scope == rhone
    assert str(prefecture) == "Préfecture de département — Rhône (69)"


def test_role_switcher_changes_the_active_role_and_what_the_user_may_do(client):
    user = UserFactory()
    advisor = RoleAssignmentFactory(user=user, role=Role.ADVISOR)
    national = RoleAssignmentFactory(user=user, role=Role.PROGRAMME_TEAM)
    client.force_login(user)

    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Équipe nationale du programme" in page
    assert "Changer de rôle" in page
    assert client.get(reverse("core:audit_log")).status_code == 200

    response = client.post(reverse("accounts:switch_role"), {"role": advisor.pk, "next": reverse("core:home")})
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "Vous agissez en tant que <strong>Conseiller numérique</strong>" in page
    assert client.get(reverse("core:audit_log")).status_code == 403

    client.post(reverse("accounts:switch_role"), {"role": national.pk})
    assert client.get(reverse("core:audit_log")).status_code == 200


def test_nobody_can_switch_to_someone_elses_role(client):
    user = UserFactory(advisor=True)
    stranger_role = RoleAssignmentFactory(role=Role.PROGRAMME_TEAM)
    client.force_login(user)
    assert client.post(reverse("accounts:switch_role"), {"role": stranger_role.pk}).status_code == 403
    assert client.get(reverse("core:audit_log")).status_code == 403


def test_switching_role_refuses_get_and_foreign_redirects(client):
    user = UserFactory()
    advisor = RoleAssignmentFactory(user=user, role=Role.ADVISOR)
    RoleAssignmentFactory(user=user, role=Role.PROGRAMME_TEAM)
    client.force_login(user)
    assert client.get(reverse("accounts:switch_role")).status_code == 405
    response = client.post(reverse("accounts:switch_role"), {"role": advisor.pk, "next": "https://ailleurs.example"})
    assert response.url == reverse("core:dashboard")


def test_a_removed_role_is_no_longer_active(client):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.ADVISOR)
    national = RoleAssignmentFactory(user=user, role=Role.PROGRAMME_TEAM)
    client.force_login(user)
    client.post(reverse("accounts:switch_role"), {"role": national.pk})
    national.delete()
    assert client.get(reverse("core:audit_log")).status_code == 403


def test_territorial_roles_require_a_scope_of_the_right_kind(rhone):
    user = UserFactory()
    with pytest.raises(ValidationError, match="périmètre"):
        RoleAssignment(user=user, role=Role.PREFECTURE_DEPARTEMENT).full_clean()
    with pytest.raises(ValidationError, match="introuvable"):
        RoleAssignment(user=user, role=Role.PREFECTURE_DEPARTEMENT, scope_id="00").full_clean()
    region_role = RoleAssignment(user=user, role=Role.PREFECTURE_REGION, scope_id="84")
    region_role.full_clean()
    assert region_role.scope == rhone.region
    with pytest.raises(ValidationError, match="ne se limite pas"):
        RoleAssignment(user=user, role=Role.PROGRAMME_TEAM, scope_id="84").full_clean()


def test_role_assignments_visible_to(client):
    national = UserFactory(programme_team=True)
    advisor = UserFactory(advisor=True)
    assert RoleAssignment.objects.visible_to(national).count() == 2
    assert list(RoleAssignment.objects.visible_to(advisor)) == advisor.role_assignments


def test_a_role_whose_scope_was_deleted_says_so_instead_of_none(rhone):
    user = UserFactory()
    assignment = RoleAssignmentFactory(user=user, role=Role.PREFECTURE_DEPARTEMENT, scope=rhone)
    RoleAssignment.objects.filter(pk=assignment.pk).update(scope_id="00")
    assignment.refresh_from_db()
    assert assignment.scope_label == "périmètre à définir"
    assert str(assignment) == "Préfecture de département — périmètre à définir"
