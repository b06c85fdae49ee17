"""The access matrix of the statistics scopes (issue #15): every scope kind × every role, with a value inside the
role's scope (the Lyon side) and one outside (the Marseille side), for the dashboard, its exports (CSV, XLSX, PDF)
and the fiche parlementaire (HTML, PDF).

The expectations are written from the rules of cnum/stats/perms.py's docstring, as data: the test does not call
`can_view`, so that it fails when perms is wrong.
"""

from collections.abc import Callable

import pytest
from django.urls import reverse

from tests.core.access_world import ROLE_LABELS, ROLES, clients, module_world, normalized, send

world = pytest.fixture(scope="module")(module_world)


@pytest.fixture(scope="module")
def callers(world, django_db_blocker):
    with django_db_blocker.unblock():
        return clients(world)


def by_pk(key: str) -> Callable[[dict, str], str]:
    return lambda world, side: str(world[side][key].pk)


def by_code(key: str, attribute: str = "code") -> Callable[[dict, str], str]:
    return lambda world, side: getattr(world[side][key], attribute)


#: Scope kind → its code on each side (None: the kind takes no code, the same scope on both sides).
SCOPE_CODES: dict[str, Callable[[dict, str], str] | None] = {
    "advisor": by_pk("advisor"),
    "team": by_pk("team"),
    "structure": by_pk("structure"),
    "commune": by_code("commune"),
    "epci": by_code("epci", "siren"),
    "departement": by_code("departement"),
    "region": by_code("region"),
    "hub": by_pk("hub"),
    "network": by_pk("network"),
    "national": None,
}
KINDS = tuple(SCOPE_CODES)
INSIDE = "200/403"
NARROWED = "302/403"


def sees(*kinds: str) -> dict[str, str]:
    """The kinds a role sees inside its scope ("200/403"); every other kind is refused (403)."""
    return {kind: INSIDE if kind in kinds else "403" for kind in KINDS}


#: What each role sees (cnum.stats.perms): its own scope, and what lies inside it. A département's prefecture and
#: the hub do not see the région (the Ain is in it too); no one but the programme team sees France entière.
DASHBOARD: dict[str, dict[str, str]] = {
    "anonyme": dict.fromkeys(KINDS, "connexion"),
    "advisor": sees("advisor"),
    # A coordinator and a structure manager never get an advisor's whole history: asking for it sends them to their
    # team's or structure's figures narrowed to that advisor (membership period, own activities: issue #15).
    "coordinator": sees("team", "advisor") | {"advisor": NARROWED},
    "structure_manager": sees("structure", "team", "advisor") | {"advisor": NARROWED},
    "prefecture_departement": sees("departement", "epci", "commune", "structure", "team", "advisor"),
    "prefecture_region": sees("region", "departement", "epci", "commune", "structure", "team", "advisor"),
    "hub": sees("hub", "departement", "epci", "commune", "structure", "team", "advisor"),
    "national_network": sees("network", "structure", "team", "advisor"),
    "programme_team": dict.fromkeys(KINDS, "200"),
    "jeton": dict.fromkeys(KINDS, "connexion"),
}
#: The fiche parlementaire carries budget figures: the programme team's only; it covers France or a département.
FACT_SHEET_KINDS = ("national", "departement")
FACT_SHEET: dict[str, dict[str, str]] = {
    **{caller: dict.fromkeys(KINDS, "403") for caller in DASHBOARD},
    "anonyme": dict.fromkeys(KINDS, "connexion"),
    "programme_team": {kind: "200" if kind in FACT_SHEET_KINDS else "400" for kind in KINDS},
    "jeton": dict.fromkeys(KINDS, "connexion"),
}

#: Route name → (URL arguments, expectations per kind then per caller).
ROUTES = {
    "stats:dashboard": ({}, DASHBOARD),
    "stats:export csv": ({"fmt": "csv"}, DASHBOARD),
    "stats:export xlsx": ({"fmt": "xlsx"}, DASHBOARD),
    "stats:export pdf": ({"fmt": "pdf"}, DASHBOARD),
    "funding:fact_sheet": ({}, FACT_SHEET),
    "funding:fact_sheet_pdf": ({}, FACT_SHEET),
}


def scope_text(kind: str, world, side: str) -> str:
    code = SCOPE_CODES[kind]
    return kind if code is None else f"{kind}:{code(world, side)}"


def url(route: str, kind: str, world, side: str) -> str:
    name = route.split()[0]
    kwargs, _ = ROUTES[route]
    query = f"scope={scope_text(kind, world, side)}"
    return f"{reverse(name, kwargs=kwargs or None)}?{query}&periode=tout"


def test_the_expectations_cover_every_role_and_kind():
    for route, (_, expected) in ROUTES.items():
        assert set(expected) == {str(role) for role in ROLES}, route
        for caller, kinds in expected.items():
            assert set(kinds) == set(KINDS), f"{route} — {caller}"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("route", ROUTES)
def test_every_role_sees_the_scopes_its_rules_give(route, kind, world, callers, db):
    _, expected = ROUTES[route]
    sides = ("in",) if SCOPE_CODES[kind] is None else ("in", "out")
    differences = []
    for caller in ROLES:
        outcomes = [send(callers[str(caller)], "GET", url(route, kind, world, side)).outcome for side in sides]
        got = outcomes[0] if len(set(outcomes)) == 1 else "/".join(outcomes)
        wanted = normalized(expected[str(caller)][kind])
        if got != wanted:
            differences.append(f"{ROLE_LABELS[caller]} : attendu {wanted}, obtenu {got}")
    assert not differences, f"{route} ?scope={kind}:… :\n" + "\n".join(differences)


# --- docs/access-matrix.md --------------------------------------------------------------------------------------

SECTION = """
## Statistiques : chaque type de périmètre pour chaque rôle

Générée depuis `tests/core/test_access_matrix_scopes.py`. Le tableau de bord (`stats:dashboard`) et ses exports
(`stats:export` en CSV, XLSX et PDF) suivent les mêmes règles (`cnum/stats/perms.py`) ; la fiche parlementaire
(`funding:fact_sheet`, HTML et PDF) est réservée à l'équipe nationale et ne couvre que la France entière ou un
département (400 sinon). « 200/403 » : le périmètre lyonnais est ouvert, le marseillais refusé. La région du
Rhône compte aussi l'Ain : ni la préfecture du Rhône ni le hub du Rhône ne la voient entière.
"""


def table(title: str, expected: dict[str, dict[str, str]]) -> list[str]:
    columns = ["périmètre", *(ROLE_LABELS[role] for role in ROLES)]
    lines = [f"\n{title}\n", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for kind in KINDS:
        lines.append("| " + " | ".join([f"`{kind}`", *(normalized(expected[str(r)][kind]) for r in ROLES)]) + " |")
    return lines


def markdown() -> str:
    lines = [SECTION, *table("Tableau de bord et exports CSV, XLSX, PDF :", DASHBOARD)]
    lines += table("Fiche parlementaire (HTML et PDF) :", FACT_SHEET)
    return "\n".join(lines) + "\n"
