"""A token lives no longer than its owner's rights (issue #15, finding 5): it is refused while its owner is
deactivated or no longer holds the role it was created under, and revoked when that happens."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.api.models import ApiToken
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/activities"


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def contract():
    return ContractFactory(advisor=AdvisorFactory(with_account=True))


@pytest.fixture
def manager(contract):
    return RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=contract.structure)


def test_a_token_of_a_deactivated_owner_is_refused_and_revoked(client, contract):
    token, secret = ApiToken.issue(name="Outil", owner=contract.advisor.user, advisor=contract.advisor)
    assert client.get(URL, headers=bearer(secret)).status_code == 200

    owner = contract.advisor.user
    owner.is_active = False
    owner.save()

    assert client.get(URL, headers=bearer(secret)).status_code == 401
    token.refresh_from_db()
    assert token.is_revoked


def test_a_deactivated_owner_is_refused_even_if_the_token_was_not_revoked(client, contract):
    """Accounts deactivated by a path that sends no signal (a raw UPDATE) are refused at each request."""
    token, secret = ApiToken.issue(name="Outil", owner=contract.advisor.user, advisor=contract.advisor)
    type(contract.advisor.user).objects.filter(pk=contract.advisor.user_id).update(is_active=False)

    assert client.get(URL, headers=bearer(secret)).status_code == 401


def test_a_structure_manager_who_loses_the_role_loses_the_token(client, manager, contract):
    token, secret = ApiToken.issue(name="SI", owner=manager.user, structure=contract.structure)
    other_token, _ = ApiToken.issue(name="Autre", owner=manager.user, advisor=contract.advisor)
    assert client.get(URL, headers=bearer(secret)).status_code == 200

    manager.delete()

    assert client.get(URL, headers=bearer(secret)).status_code == 401
    token.refresh_from_db()
    assert token.is_revoked


def test_a_structure_manager_moved_to_another_structure_loses_the_token(client, manager, contract):
    token, secret = ApiToken.issue(name="SI", owner=manager.user, structure=contract.structure)
    manager.scope_id = str(ContractFactory().structure_id)
    manager.save()

    assert client.get(URL, headers=bearer(secret)).status_code == 401
    token.refresh_from_db()
    assert token.is_revoked


def test_an_advisor_who_loses_the_advisor_role_loses_the_token(client, contract):
    token, secret = ApiToken.issue(name="Outil", owner=contract.advisor.user, advisor=contract.advisor)
    contract.advisor.user.roles.get(role=Role.ADVISOR).delete()

    assert client.get(URL, headers=bearer(secret)).status_code == 401
    token.refresh_from_db()
    assert token.is_revoked


def test_another_role_removed_keeps_the_token(client, manager, contract):
    token, secret = ApiToken.issue(name="SI", owner=manager.user, structure=contract.structure)
    RoleAssignmentFactory(user=manager.user, role=Role.PROGRAMME_TEAM).delete()

    assert client.get(URL, headers=bearer(secret)).status_code == 200
    token.refresh_from_db()
    assert not token.is_revoked


@pytest.mark.parametrize("owner", ["someone", "other_advisor", "manager"])
def test_a_token_acts_only_under_the_rules_of_its_creation(client, contract, manager, owner):
    """An advisor token is its advisor's own; a structure token, a manager's of that structure."""
    owners = {
        "someone": (UserFactory(), {"structure": contract.structure}),
        "other_advisor": (AdvisorFactory(with_account=True).user, {"advisor": contract.advisor}),
        "manager": (manager.user, {"advisor": contract.advisor}),
    }
    user, scope = owners[owner]
    _, secret = ApiToken.issue(name="Outil", owner=user, **scope)

    assert client.get(URL, headers=bearer(secret)).status_code == 401


def test_the_purge_revokes_the_tokens_of_the_accounts_it_deactivates(client, contract, settings):
    settings.CNUM_RETENTION = {**settings.CNUM_RETENTION, "inactive_accounts_months": 12}
    owner = contract.advisor.user
    type(owner).objects.filter(pk=owner.pk).update(last_login=timezone.now() - datetime.timedelta(days=800))
    token, secret = ApiToken.issue(name="Outil", owner=owner, advisor=contract.advisor)
    kept, _ = ApiToken.issue(name="SI", owner=UserFactory(last_login=timezone.now()), structure=contract.structure)

    call_command("purge", stdout=io.StringIO())

    token.refresh_from_db()
    kept.refresh_from_db()
    assert token.is_revoked and not kept.is_revoked
    assert client.get(URL, headers=bearer(secret)).status_code == 401
