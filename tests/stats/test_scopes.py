import datetime

import pytest

from cnum.stats.scopes import Scope, ScopeError, ScopeKind, activities
from tests.activities.factories import ActivityFactory
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory, RegionFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("national", Scope(ScopeKind.NATIONAL)),
        ("region:84", Scope(ScopeKind.REGION, "84")),
        ("departement:2a", Scope(ScopeKind.DEPARTEMENT, "2A")),
        ("structure:12345678900012", Scope(ScopeKind.STRUCTURE, "12345678900012")),
        ("advisor:7", Scope(ScopeKind.ADVISOR, "7")),
    ],
)
def test_parse(text, expected):
    assert Scope.parse(text) == expected
    assert str(Scope.parse(text)) == str(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("monde", "Périmètre inconnu"),
        ("", "Périmètre inconnu"),
        ("region", "Précisez le code"),
        ("national:1", "ne prend pas de code"),
        ("advisor:abc", "doit être un nombre"),
    ],
)
def test_parse_rejects_in_french(text, message):
    with pytest.raises(ScopeError, match=message):
        Scope.parse(text)


@pytest.fixture
def territories(db):
    lyon = StructureFactory(departement=DepartementFactory(code="69"), identifier="12345678900012")
    ain = StructureFactory(departement=DepartementFactory(code="01", name="Ain"))
    marseille = StructureFactory(
        departement=DepartementFactory(
            code="13", name="Bouches-du-Rhône", region=RegionFactory(code="93", name="Provence-Alpes-Côte d'Azur")
        )
    )
    return {
        "lyon": ActivityFactory(structure=lyon, date=datetime.date(2025, 1, 5)),
        "lyon_later": ActivityFactory(structure=lyon, date=datetime.date(2025, 6, 5)),
        "ain": ActivityFactory(structure=ain),
        "marseille": ActivityFactory(structure=marseille),
    }


def names(queryset, territories):
    return {name for name, activity in territories.items() if queryset.filter(pk=activity.pk).exists()}


def test_scopes_select_by_employer_territory_and_advisor(territories):
    assert names(activities(Scope.parse("national")), territories) == set(territories)
    assert names(activities(Scope.parse("region:84")), territories) == {"lyon", "lyon_later", "ain"}
    assert names(activities(Scope.parse("departement:69")), territories) == {"lyon", "lyon_later"}
    assert names(activities(Scope.parse("region:93")), territories) == {"marseille"}
    assert names(activities(Scope.parse("structure:12345678900012")), territories) == {"lyon", "lyon_later"}
    ain = territories["ain"]
    assert names(activities(Scope.parse(f"structure:{ain.structure_id}")), territories) == {"ain"}
    assert names(activities(Scope.parse(f"advisor:{ain.advisor_id}")), territories) == {"ain"}


def test_period_bounds_are_included(territories):
    scope = Scope.parse("departement:69")
    assert names(activities(scope, since=datetime.date(2025, 6, 5)), territories) == {"lyon_later"}
    assert names(activities(scope, until=datetime.date(2025, 1, 5)), territories) == {"lyon"}
    assert names(activities(scope, datetime.date(2025, 1, 6), datetime.date(2025, 6, 4)), territories) == set()


def test_check_exists(territories):
    Scope.parse("region:84").check_exists()
    Scope.parse("structure:12345678900012").check_exists()
    for text in ("region:99", "departement:999", "structure:99999999999999", "advisor:999999"):
        with pytest.raises(ScopeError, match="introuvable"):
            Scope.parse(text).check_exists()
