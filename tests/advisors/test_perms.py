"""Who sees which advisors, teams and structures (DOMAIN.md "Roles (who sees what)")."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.advisors import perms
from cnum.advisors.models import Advisor, Team
from cnum.structures.models import Hub, Structure
from tests.accounts.factories import UserFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory, TeamFactory, TeamMembershipFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def territory():
    """Two départements of Auvergne-Rhône-Alpes, one of Île-de-France, and an advisor employed in each."""
    ara, idf = RegionFactory(code="84", name="Auvergne-Rhône-Alpes"), RegionFactory(code="11", name="Île-de-France")
    rhone = DepartementFactory(code="69", name="Rhône", region=ara)
    ain = DepartementFactory(code="01", name="Ain", region=ara)
    paris = DepartementFactory(code="75", name="Paris", region=idf)
    in_rhone = ContractFactory(structure__departement=rhone).advisor
    in_ain = ContractFactory(structure__departement=ain).advisor
    in_paris = ContractFactory(structure__departement=paris).advisor
    left_rhone = ContractFactory(structure__departement=rhone, ended=True).advisor
    return {
        "ara": ara,
        "rhone": rhone,
        "in_rhone": in_rhone,
        "in_ain": in_ain,
        "in_paris": in_paris,
        "left_rhone": left_rhone,
        "without_contract": AdvisorFactory(),
    }


def visible(user) -> set[int]:
    return set(Advisor.objects.visible_to(user).values_list("pk", flat=True))


def names(*advisors) -> set[int]:
    """The advisors' keys (names may repeat: Faker draws them)."""
    return {advisor.pk for advisor in advisors}


def test_anonymous_people_and_users_without_a_role_see_nobody(territory):
    assert visible(AnonymousUser()) == set()
    assert visible(UserFactory()) == set()
    assert not Team.objects.visible_to(AnonymousUser()).exists()


def test_the_programme_team_sees_every_advisor(territory, user_with_role):
    assert len(visible(user_with_role(Role.PROGRAMME_TEAM))) == 5


def test_a_departement_prefecture_sees_advisors_employed_in_it_now(territory, user_with_role):
    user = user_with_role(Role.PREFECTURE_DEPARTEMENT, territory["rhone"])
    assert visible(user) == names(territory["in_rhone"])


def test_a_region_prefecture_sees_its_departements(territory, user_with_role):
    user = user_with_role(Role.PREFECTURE_REGION, territory["ara"])
    assert visible(user) == names(territory["in_rhone"], territory["in_ain"])


def test_a_hub_sees_the_departements_it_covers(territory, user_with_role):
    hub = Hub.objects.create(name="Hub du Rhône")
    hub.departements.add(territory["rhone"])
    assert visible(user_with_role(Role.HUB, hub)) == names(territory["in_rhone"])


def test_a_structure_manager_sees_current_and_former_staff(user_with_role):
    structure = StructureFactory()
    current = ContractFactory(structure=structure).advisor
    former = ContractFactory(structure=structure, ended=True).advisor
    ContractFactory()
    user = user_with_role(Role.STRUCTURE_MANAGER, structure)
    assert visible(user) == names(current, former)
    assert perms.can_edit_advisor(user, current)
    assert not perms.can_edit_advisor(user, former)  # their records stay readable, no longer theirs to change
    assert perms.can_manage_contracts(user, structure)
    assert not perms.can_manage_contracts(user, StructureFactory())


def test_a_coordinator_sees_the_current_members_of_their_team_until_they_leave(user_with_role):
    today = timezone.localdate()
    team = TeamFactory()
    member = TeamMembershipFactory(team=team).advisor
    leaving = TeamMembershipFactory(team=team, end=today)
    gone = TeamMembershipFactory(team=team, left=True).advisor
    TeamMembershipFactory(team=team, start=today + datetime.timedelta(days=1))  # not yet a member
    TeamMembershipFactory()  # another team
    coordinator = user_with_role(Role.COORDINATOR, team)
    assert visible(coordinator) == names(member, leaving.advisor)
    assert not perms.can_view_advisor(coordinator, gone)

    leaving.end = today - datetime.timedelta(days=1)
    leaving.save()
    assert visible(coordinator) == names(member)
    assert list(Team.objects.visible_to(coordinator)) == [team]


def test_an_advisor_sees_only_themself(territory):
    advisor = AdvisorFactory(with_account=True)
    assert visible(advisor.user) == names(advisor)
    assert perms.can_edit_advisor(advisor.user, advisor)
    assert not perms.can_edit_advisor(advisor.user, territory["in_rhone"])


def test_role_switch_changes_what_is_seen(territory, user_with_role):
    user = user_with_role(Role.PREFECTURE_DEPARTEMENT, territory["rhone"])
    national = user.roles.create(role=Role.PROGRAMME_TEAM)
    user.activate_role(national)
    assert len(visible(user)) == 5
    user.activate_role(user.roles.get(role=Role.PREFECTURE_DEPARTEMENT))
    assert visible(user) == names(territory["in_rhone"])


def test_an_advisor_sees_their_current_employers_among_structures():
    advisor = AdvisorFactory(with_account=True)
    current = ContractFactory(advisor=advisor).structure
    ContractFactory(advisor=advisor, ended=True)
    ContractFactory()
    assert list(Structure.objects.visible_to(advisor.user)) == [current]


def test_a_coordinator_sees_the_structures_employing_their_current_members(user_with_role):
    team = TeamFactory()
    employer = ContractFactory(advisor=TeamMembershipFactory(team=team).advisor).structure
    ContractFactory(advisor=TeamMembershipFactory(team=team, left=True).advisor)
    ContractFactory()
    coordinator = user_with_role(Role.COORDINATOR, team)
    assert list(Structure.objects.visible_to(coordinator)) == [employer]


def test_who_edits_teams_and_their_members(user_with_role):
    team = TeamFactory()
    assert perms.can_edit_team(user_with_role(Role.COORDINATOR, team), team)
    assert not perms.can_edit_team(user_with_role(Role.COORDINATOR, TeamFactory()), team)
    manager = user_with_role(Role.STRUCTURE_MANAGER, team.structure)
    assert perms.can_manage_memberships(manager, team) and perms.can_view_team_history(manager, team)
    assert not perms.can_view_team_history(user_with_role(Role.COORDINATOR, team), team)
    assert not perms.can_edit_team(user_with_role(Role.PREFECTURE_DEPARTEMENT, team.structure.departement), team)
    assert perms.can_create_team(manager) and not perms.can_create_team(user_with_role(Role.ADVISOR))


def test_site_and_training_records(user_with_role):
    team = TeamFactory()
    advisor = TeamMembershipFactory(team=team, advisor=AdvisorFactory(with_account=True, employed=True)).advisor
    coordinator = user_with_role(Role.COORDINATOR, team)
    assert perms.can_manage_site_assignments(coordinator, advisor) and perms.can_manage_trainings(coordinator, advisor)
    assert perms.can_manage_site_assignments(advisor.user, advisor)
    assert not perms.can_manage_trainings(advisor.user, advisor)
    prefecture = user_with_role(Role.PREFECTURE_DEPARTEMENT, advisor.contracts.get().structure.departement)
    assert perms.can_view_advisor(prefecture, advisor)
    assert not perms.can_manage_site_assignments(prefecture, advisor)
