"""`invite`, `users --scope --json` and the daily `advisor_roles` (issue #18)."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from cnum.access.models import Invitation
from cnum.access.rules import ADVISOR_ROLE_GRACE_DAYS
from cnum.accounts.enums import Role
from cnum.advisors.enums import ContractEndReason
from cnum.api.models import ApiToken
from tests.accounts.factories import RoleAssignmentFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_invite_prints_the_link_it_sent(settings):
    settings.CNUM_SITE_URL = "https://cnum.example.fr"
    structure = StructureFactory()
    out = run("invite", "--email", "A@B.fr", "--role", "structure_manager", "--scope", f"structure:{structure.pk}")
    link = mail.outbox[-1].body.split("https://", 1)[1].split()[0]
    assert f"https://{link}" in out and "a@b.fr" in out
    assert Invitation.objects.get().invited_by is None


def test_invite_by_a_manager_stays_within_its_scope():
    structure = StructureFactory()
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure).user
    other = StructureFactory()
    args = ["invite", "--email", "a@b.fr", "--role", "structure_manager", "--by", manager.email]
    with pytest.raises(CommandError, match="ne pouvez pas attribuer"):
        run(*args, "--scope", f"structure:{other.pk}")
    with pytest.raises(CommandError, match="ne peut attribuer"):
        run("invite", "--email", "a@b.fr", "--role", "programme_team", "--scope", "national", "--by", manager.email)
    run(*args, "--scope", f"structure:{structure.pk}")
    assert Invitation.objects.get().invited_by == manager


def test_invite_says_when_the_address_already_has_the_role():
    structure = StructureFactory()
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure).user
    with pytest.raises(CommandError, match="a déjà ce rôle"):
        run("invite", "--email", manager.email, "--role", "structure_manager", "--scope", f"structure:{structure.pk}")


def test_users_lists_the_accounts_of_a_scope_as_json():
    structure = StructureFactory()
    RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=structure, user__email="gestion@lyon.fr")
    RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=StructureFactory(), user__email="ailleurs@exemple.fr")
    rows = json.loads(run("users", "--scope", f"structure:{structure.identifier}", "--json"))
    assert [row["email"] for row in rows] == ["gestion@lyon.fr"]
    assert rows[0]["status"] == "active" and rows[0]["second_factor"] is False
    national = json.loads(run("users", "--scope", "national", "--json"))
    assert {row["email"] for row in national} == {"gestion@lyon.fr", "ailleurs@exemple.fr"}
    with pytest.raises(CommandError):
        run("users", "--scope", "team:1", "--json")


def test_the_advisor_role_follows_the_contract_with_a_grace_period():
    today = datetime.date.today()
    advisor = AdvisorFactory(with_account=True)
    user = advisor.user
    token, _ = ApiToken.issue(name="Logiciel", owner=user, advisor=advisor)
    contract = ContractFactory(advisor=advisor, start=today - datetime.timedelta(days=400))
    assert "0 attribué(s), 0 retiré(s)" in run("advisor_roles")
    contract.end = today - datetime.timedelta(days=ADVISOR_ROLE_GRACE_DAYS)
    contract.end_reason = ContractEndReason.RESIGNATION
    contract.save()
    run("advisor_roles")
    assert user.roles.filter(role=Role.ADVISOR).exists()  # still within the grace period
    contract.end = today - datetime.timedelta(days=ADVISOR_ROLE_GRACE_DAYS + 1)
    contract.save()
    assert "0 attribué(s), 1 retiré(s)" in run("advisor_roles")
    assert not user.roles.exists()
    token.refresh_from_db()
    assert token.revoked_at is not None
    ContractFactory(advisor=advisor, start=today + datetime.timedelta(days=3), post=None)
    run("advisor_roles")
    assert not user.roles.exists()  # the next contract has not started yet
    ContractFactory(advisor=advisor, start=today, post=None)
    assert "1 attribué(s), 0 retiré(s)" in run("advisor_roles")
