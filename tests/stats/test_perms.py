import pytest
from django.contrib.auth.models import AnonymousUser

from cnum.accounts.enums import Role
from cnum.stats.perms import advisor_figures_scope, can_narrow_to_advisor, can_view, default_scope, viewable
from cnum.stats.scopes import Scope
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory, TeamFactory, TeamMembershipFactory
from tests.structures.factories import HubFactory, NetworkFactory, StructureFactory
from tests.territories.factories import DepartementFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two régions: Auvergne-Rhône-Alpes (Rhône, Ain) and PACA (Bouches-du-Rhône), a structure in each
    département, an advisor employed by each structure, a team in Lyon, a hub of the Rhône, a network of Lyon."""
    rhone, ain = DepartementFactory(code="69"), DepartementFactory(code="01", name="Ain")
    bdr = DepartementFactory(code="13", name="Bouches-du-Rhône", region=RegionFactory(code="93", name="PACA"))
    lyon, bourg, marseille = (
        StructureFactory(name=f"Mairie de {name}", departement=departement)
        for name, departement in (("Lyon", rhone), ("Bourg", ain), ("Marseille", bdr))
    )
    advisors = {name: AdvisorFactory(with_account=True) for name in ("lyon", "bourg", "marseille", "coordinator")}
    for name, structure in (("lyon", lyon), ("bourg", bourg), ("marseille", marseille), ("coordinator", lyon)):
        ContractFactory(advisor=advisors[name], structure=structure)
    team = TeamFactory(structure=lyon, coordinator=advisors["coordinator"])
    TeamMembershipFactory(team=team, advisor=advisors["lyon"])
    other_team = TeamFactory(structure=marseille)
    hub = HubFactory(name="Hub du Rhône")
    hub.departements.add(rhone)
    network = NetworkFactory(name="Réseau des mairies")
    lyon.networks.add(network)
    return {
        "lyon": lyon,
        "bourg": bourg,
        "marseille": marseille,
        "advisors": advisors,
        "team": team,
        "other_team": other_team,
        "hub": hub,
        "network": network,
        "rhone": rhone,
    }


def user_with(role, scope=None):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, scope=scope)
    return user


def scope(text) -> Scope:
    return Scope.parse(text)


def test_anonymous_and_roleless_users_see_nothing(world):
    assert default_scope(AnonymousUser()) is None
    assert not can_view(AnonymousUser(), scope("national"))
    roleless = UserFactory()
    assert default_scope(roleless) is None
    assert not can_view(roleless, scope("departement:69"))


def test_programme_team_sees_everything(world):
    user = UserFactory(programme_team=True)
    assert default_scope(user) == scope("national")
    for text in ("national", "region:93", "departement:13", f"structure:{world['marseille'].pk}", "team:1"):
        assert can_view(user, scope(text))


def test_advisor_sees_only_themself(world):
    advisor = world["advisors"]["lyon"]
    user = advisor.user
    assert default_scope(user) == scope(f"advisor:{advisor.pk}")
    assert can_view(user, scope(f"advisor:{advisor.pk}"))
    assert not can_view(user, scope(f"advisor:{world['advisors']['bourg'].pk}"))
    assert not can_view(user, scope(f"structure:{world['lyon'].pk}"))
    assert not can_view(user, scope("departement:69"))
    assert not can_view(user, scope("national"))


def test_coordinator_sees_their_teams_and_members(world):
    team, coordinator = world["team"], world["advisors"]["coordinator"]
    user = user_with(Role.COORDINATOR, team)
    assert default_scope(user) == scope(f"team:{team.pk}")
    assert can_view(user, scope(f"team:{team.pk}"))
    # A member is read through the team, narrowed to them (the days of the membership), not their whole history.
    lyon, bourg = world["advisors"]["lyon"].pk, world["advisors"]["bourg"].pk
    assert not can_view(user, scope(f"advisor:{lyon}"))
    assert advisor_figures_scope(user, lyon) == scope(f"team:{team.pk}")
    assert can_narrow_to_advisor(user, scope(f"team:{team.pk}"), lyon)
    assert advisor_figures_scope(user, bourg) is None
    assert not can_narrow_to_advisor(user, scope(f"team:{team.pk}"), bourg)
    assert not can_view(user, scope(f"team:{world['other_team'].pk}"))
    assert not can_view(user, scope(f"structure:{world['lyon'].pk}"))
    # The advisor linked to the account coordinates a second team: it is theirs too.
    coordinated = TeamFactory(structure=world["bourg"], coordinator=coordinator)
    user_of_coordinator = coordinator.user
    RoleAssignmentFactory(user=user_of_coordinator, role=Role.COORDINATOR, scope=team)
    user_of_coordinator.activate_role(user_of_coordinator.roles.get(role=Role.COORDINATOR))
    assert can_view(user_of_coordinator, scope(f"team:{coordinated.pk}"))


def test_structure_manager_sees_structure_teams_and_advisors(world):
    user = user_with(Role.STRUCTURE_MANAGER, world["lyon"])
    assert default_scope(user) == scope(f"structure:{world['lyon'].pk}")
    assert can_view(user, scope(f"structure:{world['lyon'].pk}"))
    assert can_view(user, scope(f"team:{world['team'].pk}"))
    # An advisor is read through the structure, narrowed to them: what was recorded under the structure only.
    lyon, marseille = world["advisors"]["lyon"].pk, world["advisors"]["marseille"].pk
    assert not can_view(user, scope(f"advisor:{lyon}"))
    assert advisor_figures_scope(user, lyon) == scope(f"structure:{world['lyon'].pk}")
    assert not can_view(user, scope(f"structure:{world['marseille'].pk}"))
    assert not can_view(user, scope(f"advisor:{marseille}"))
    assert advisor_figures_scope(user, marseille) is None
    assert not can_view(user, scope("departement:69"))


def test_prefecture_departement_sees_inside_its_departement(world):
    user = user_with(Role.PREFECTURE_DEPARTEMENT, world["rhone"])
    assert default_scope(user) == scope("departement:69")
    for text in ("departement:69", f"structure:{world['lyon'].pk}", f"team:{world['team'].pk}"):
        assert can_view(user, scope(text)), text
    assert can_view(user, scope(f"advisor:{world['advisors']['lyon'].pk}"))
    for text in ("departement:01", "region:84", "national", f"structure:{world['bourg'].pk}"):
        assert not can_view(user, scope(text)), text
    assert not can_view(user, scope(f"advisor:{world['advisors']['bourg'].pk}"))


def test_prefecture_region_sees_its_departements(world):
    user = user_with(Role.PREFECTURE_REGION, world["rhone"].region)
    assert default_scope(user) == scope("region:84")
    for text in ("region:84", "departement:69", "departement:01", f"structure:{world['bourg'].pk}"):
        assert can_view(user, scope(text)), text
    for text in ("region:93", "departement:13", f"structure:{world['marseille'].pk}", "national"):
        assert not can_view(user, scope(text)), text


def test_hub_sees_the_hub_and_its_departements(world):
    user = user_with(Role.HUB, world["hub"])
    assert default_scope(user) == scope(f"hub:{world['hub'].pk}")
    for text in (f"hub:{world['hub'].pk}", "departement:69", f"structure:{world['lyon'].pk}"):
        assert can_view(user, scope(text)), text
    # The hub covers the Rhône only, not the whole région.
    for text in ("region:84", "departement:01", f"structure:{world['bourg'].pk}"):
        assert not can_view(user, scope(text)), text
    other_hub = HubFactory(name="Autre hub")
    assert not can_view(user, scope(f"hub:{other_hub.pk}"))


def test_national_network_sees_its_members(world):
    user = user_with(Role.NATIONAL_NETWORK, world["network"])
    assert default_scope(user) == scope(f"network:{world['network'].pk}")
    assert can_view(user, scope(f"network:{world['network'].pk}"))
    assert can_view(user, scope(f"structure:{world['lyon'].pk}"))
    assert can_view(user, scope(f"advisor:{world['advisors']['lyon'].pk}"))
    for text in ("departement:69", f"structure:{world['bourg'].pk}", "national"):
        assert not can_view(user, scope(text)), text


def test_a_structure_named_by_its_siret_is_the_same_scope(world):
    world["lyon"].identifier = "12345678900012"
    world["lyon"].save()
    user = user_with(Role.STRUCTURE_MANAGER, world["lyon"])
    assert can_view(user, scope("structure:12345678900012"))


def test_unknown_objects_are_not_visible(world):
    user = user_with(Role.PREFECTURE_DEPARTEMENT, world["rhone"])
    assert not can_view(user, scope("structure:999999"))
    assert not can_view(user, scope("advisor:999999"))


@pytest.mark.parametrize(
    ("role", "key"),
    [
        (Role.PREFECTURE_DEPARTEMENT, "rhone"),
        (Role.NATIONAL_NETWORK, "network"),
        (Role.STRUCTURE_MANAGER, "lyon"),
        (Role.COORDINATOR, "team"),
        (Role.HUB, "hub"),
    ],
)
def test_viewable_agrees_with_can_view(world, role, key):
    user = user_with(role, world[key])
    scopes = [scope(f"structure:{world[name].pk}") for name in ("lyon", "bourg", "marseille")]
    scopes += [scope(f"advisor:{advisor.pk}") for advisor in world["advisors"].values()]
    scopes += [scope("departement:69"), scope("departement:13"), scope(f"team:{world['team'].pk}")]
    expected = {item for item in scopes if can_view(user, item)}
    assert expected and viewable(user, scopes) == expected
