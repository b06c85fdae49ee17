"""Security review #15, finding 2: a coordinator gives itself access to an advisor by adding them to its team.

A team takes only advisors its structure employs now; a membership a coordinator asks for gives no access until the
advisor or their employer accepts it; its start is never back-dated."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.advisors.models import TeamMembership
from tests.advisors.factories import AdvisorFactory, ContractFactory, TeamFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(client, user_with_role):
    def login(role, scope=None):
        user = user_with_role(role, scope)
        client.force_login(user)
        return user

    return login


def today() -> str:
    return timezone.localdate().isoformat()


def add_member(client, team, advisor, start=None):
    url = reverse("advisors:membership_create", args=[team.pk])
    return client.post(url, {"advisor": advisor.pk, "start": start or today()})


def decide(client, membership, decision):
    return client.post(reverse(f"advisors:membership_{decision}", args=[membership.pk]))


def detail(client, advisor) -> int:
    return client.get(reverse("advisors:detail", args=[advisor.pk])).status_code


def test_a_team_is_offered_only_the_advisors_its_structure_employs_now(client, as_role):
    team = TeamFactory()
    employee = ContractFactory(structure=team.structure).advisor
    same_departement = ContractFactory(structure__departement=team.structure.departement).advisor
    former = ContractFactory(structure=team.structure, ended=True).advisor
    as_role(Role.COORDINATOR, team)
    html = client.get(reverse("advisors:membership_create", args=[team.pk])).content.decode()
    assert employee.full_name in html
    assert same_departement.full_name not in html and former.full_name not in html
    response = add_member(client, team, same_departement)
    assert response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    assert not TeamMembership.objects.exists()
    assert detail(client, same_departement) == 403


def test_a_membership_asked_by_a_coordinator_gives_no_access_until_accepted(client, as_role):
    team = TeamFactory()
    advisor = ContractFactory(structure=team.structure, advisor__with_account=True).advisor
    coordinator = as_role(Role.COORDINATOR, team)
    assert add_member(client, team, advisor).status_code == 302
    membership = TeamMembership.objects.get()
    assert membership.status == "requested"
    assert detail(client, advisor) == 403
    assert advisor.last_name.upper() not in client.get(reverse("advisors:list")).content.decode()
    assert decide(client, membership, "accept").status_code == 403  # the coordinator does not decide for them

    client.force_login(advisor.user)
    html = client.get(reverse("advisors:detail", args=[advisor.pk])).content.decode()
    assert "Accepter" in html and team.name in html
    assert client.get(reverse("advisors:membership_accept", args=[membership.pk])).status_code == 405
    assert decide(client, membership, "accept").status_code == 302
    membership.refresh_from_db()
    assert membership.status == "accepted"
    assert membership.decided_by == advisor.user and membership.decided_at is not None

    client.force_login(coordinator)
    assert detail(client, advisor) == 200


def test_the_current_employer_may_refuse_and_no_other_structure_may_decide(client, as_role):
    team = TeamFactory()
    advisor = ContractFactory(structure=team.structure).advisor
    as_role(Role.COORDINATOR, team)
    add_member(client, team, advisor)
    membership = TeamMembership.objects.get()
    as_role(Role.STRUCTURE_MANAGER, StructureFactory())
    assert decide(client, membership, "refuse").status_code == 403
    manager = as_role(Role.STRUCTURE_MANAGER, team.structure)
    assert "Refuser" in client.get(reverse("advisors:detail", args=[advisor.pk])).content.decode()
    assert decide(client, membership, "refuse").status_code == 302
    membership.refresh_from_db()
    assert membership.status == "refused" and membership.decided_by == manager
    assert decide(client, membership, "accept").status_code == 403  # decided once
    as_role(Role.COORDINATOR, team)
    assert detail(client, advisor) == 403


def test_the_employer_adding_its_own_advisor_consents_at_once(client, as_role):
    team = TeamFactory()
    advisor = ContractFactory(structure=team.structure).advisor
    manager = as_role(Role.STRUCTURE_MANAGER, team.structure)
    assert add_member(client, team, advisor).status_code == 302
    membership = TeamMembership.objects.get()
    assert membership.status == "accepted" and membership.decided_by == manager


def test_a_start_before_today_is_refused_on_the_form(client, as_role):
    team = TeamFactory()
    advisor = ContractFactory(structure=team.structure).advisor
    as_role(Role.COORDINATOR, team)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = add_member(client, team, advisor, start=yesterday.isoformat())
    html = response.content.decode()
    assert response.status_code == 200
    assert "La date de début ne peut pas être antérieure à aujourd" in html
    assert yesterday.isoformat() in html  # the input is kept
    assert not TeamMembership.objects.exists()


def test_a_coordinator_widening_a_membership_asks_for_consent_again(client, as_role):
    team = TeamFactory()
    advisor = ContractFactory(structure=team.structure).advisor
    start = timezone.localdate() - datetime.timedelta(days=60)
    membership = TeamMembership.objects.create(
        team=team, advisor=advisor, start=start, end=start + datetime.timedelta(days=10)
    )
    TeamMembership.objects.filter(pk=membership.pk).update(status="accepted")
    as_role(Role.COORDINATOR, team)
    assert detail(client, advisor) == 403  # a former member
    url = reverse("advisors:membership_edit", args=[membership.pk])
    assert client.post(url, {"start": start.isoformat(), "end": ""}).status_code == 302
    membership.refresh_from_db()
    assert membership.end is None and membership.status == "requested"
    assert detail(client, advisor) == 403
    earlier = (start - datetime.timedelta(days=30)).isoformat()
    response = client.post(url, {"start": earlier, "end": ""})
    assert "La date de début ne peut pas être antérieure à aujourd" in response.content.decode()


def test_a_refused_membership_does_not_block_a_new_request(client, as_role):
    team = TeamFactory()
    advisor = AdvisorFactory()
    ContractFactory(structure=team.structure, advisor=advisor)
    TeamMembership.objects.create(team=team, advisor=advisor, start=timezone.localdate(), status="refused")
    as_role(Role.COORDINATOR, team)
    assert add_member(client, team, advisor).status_code == 302
    assert TeamMembership.objects.filter(status="requested").count() == 1
