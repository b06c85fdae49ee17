import pytest

from cnum.accounts.enums import Role
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory


@pytest.fixture
def lyon_structure(db):
    return StructureFactory(name="Ville de Lyon", identifier="21690123100011", approved=True)


@pytest.fixture
def marseille_structure(db):
    return StructureFactory(name="Association phocéenne", association=True, in_marseille=True)


@pytest.fixture
def programme_team(db):
    return UserFactory(programme_team=True)


@pytest.fixture
def prefecture_69(db):
    return RoleAssignmentFactory(role=Role.PREFECTURE_DEPARTEMENT, scope=DepartementFactory(code="69")).user


@pytest.fixture
def prefecture_13(db):
    departement = DepartementFactory(bouches_du_rhone=True)
    return RoleAssignmentFactory(role=Role.PREFECTURE_DEPARTEMENT, scope=departement).user


@pytest.fixture
def lyon_manager(lyon_structure):
    return RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=lyon_structure).user


@pytest.fixture
def advisor(db):
    return UserFactory(advisor=True)
