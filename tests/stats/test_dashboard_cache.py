"""The dashboards' cache (docs/adr/0008-dashboard-cache.md): a page viewed before is served from the cache; a write
in its scope, through any path, makes the next view build it again with the write; a write elsewhere leaves it
cached; two readers of different rights never share an entry."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from cnum.accounts.enums import Role
from cnum.activities import services
from cnum.activities.enums import TagScope
from cnum.activities.models import Activity
from cnum.stats import cached, dashboard_cache, engine, indicators, pending
from cnum.stats.models import StatCell
from cnum.stats.scopes import Scope, ScopeKind, activities
from cnum.structures.enums import StructureType
from cnum.structures.models import Structure
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.factories import TagFactory
from tests.advisors.factories import ContractFactory
from tests.stats.test_rollups import DAY
from tests.stats.test_write_paths import Paths

URL = "/statistiques/tableau-de-bord/"
ALL_TIME = {"periode": "tout"}
pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page(client, scope: Scope) -> str:
    """The page's body (what is cached), without this request's CSRF token."""
    response = client.get(URL, {**ALL_TIME, "scope": str(scope)})
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return CSRF.sub("", html[html.index('<nav role="navigation" class="fr-breadcrumb"') : html.index("</main>")])


def keys(scope: Scope, user) -> dashboard_cache.Keys:
    query = QueryDict(mutable=True)
    query.update({**ALL_TIME, "scope": str(scope)})
    return dashboard_cache.keys(scope, query, user)


def departement(structure) -> Scope:
    return Scope(ScopeKind.DEPARTEMENT, structure.departement_id)


@pytest.fixture
def paths(client, tmp_path):
    paths = Paths(client, tmp_path)
    paths.api(0, DAY)  # an activity of the first structure, another of the second
    paths.factory(1, DAY)
    return paths


@pytest.fixture
def reader(client):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.PROGRAMME_TEAM)
    client.force_login(user)
    return user


def test_a_page_viewed_before_is_served_from_the_cache(client, paths, reader):
    scope = departement(paths.structures[0])
    before = page(client, scope)
    # A write that skips every path (raw SQL would) is not seen: the page comes from the cache.
    StatCell.objects.filter(scope_kind=scope.kind, scope_code=scope.code).update(activities=999_999)
    assert page(client, scope) == before
    cache.clear()
    assert "999" in page(client, scope)


def record(paths, index, day):
    advisor = paths.advisors[0]
    data = {"type": "individuel", "date": day, "duration_minutes": 45, "place_type": "a_distance", "site": None}
    services.activity_record(advisor=advisor, data={**data, "themes": ["email"]})


#: Writes of activities of the first structure, through each path.
ACTIVITY_PATHS = {
    "service": record,
    "api": Paths.api,
    "import_activities": Paths.import_activities,
    "admin_edit": Paths.admin_edit,
    "admin_delete": Paths.admin_delete,
    "activity_update": Paths.activity_update,
}


@pytest.mark.parametrize("path", list(ACTIVITY_PATHS))
def test_a_write_in_the_scope_rebuilds_its_page_and_leaves_another_departements_cached(client, paths, path):
    first, other = departement(paths.structures[0]), departement(paths.structures[1])
    assert first != other
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.PROGRAMME_TEAM)
    client.force_login(user)
    before, other_keys = page(client, first), keys(other, user)
    page(client, other)
    ACTIVITY_PATHS[path](paths, 0, DAY + datetime.timedelta(days=40))
    client.force_login(user)  # the admin's paths sign the staff user in
    after = page(client, first)
    assert after != before
    cache.clear()
    assert page(client, first) == after  # what the cache served is what a fresh build shows
    assert keys(other, user) == other_keys  # the other département's page was still cached under its key


@pytest.mark.parametrize("path", list(ACTIVITY_PATHS))
def test_the_national_map_sums_again_only_the_departement_written(paths, path, monkeypatch):
    """Each département's sums are cached under its own version: after a write, the national figures sum again the
    département written and read the others from the cache — and still equal a recount."""
    national, first = Scope(ScopeKind.NATIONAL, ""), departement(paths.structures[0])
    engine.figures(national)
    summed = summed_again(monkeypatch)
    ACTIVITY_PATHS[path](paths, 0, DAY + datetime.timedelta(days=40))
    read = engine.figures(national)
    assert summed == [[first.code]]
    assert read["by_departement"] == indicators.by_departement(activities(national))


def summed_again(monkeypatch) -> list[list[str]]:
    """The départements whose sums the next figures compute (not read from the cache), one list per computation."""
    summed = []
    original = cached.by_code

    def spied(kind, codes, asked, compute):
        return original(kind, codes, asked, lambda missing: summed.append(sorted(missing)) or compute(missing))

    monkeypatch.setattr(cached, "by_code", spied)
    return summed


def test_a_registry_write_leaves_the_departements_sums_cached(paths, monkeypatch):
    national = Scope(ScopeKind.NATIONAL, "")
    engine.figures(national)
    summed = summed_again(monkeypatch)
    structure = paths.structures[0]
    structure.name = "Médiathèque renommée"
    structure.save()  # moves the registry's version: the pages are built again, the sums are still good
    assert engine.figures(national)["by_departement"] == indicators.by_departement(activities(national))
    assert summed == []


def to_public(paths, index, day):
    Structure.objects.filter(pk=paths.structures[index].pk).update(type=StructureType.COMMUNE)


#: A change of the second structure's employer kind (private → public), through each path.
STRUCTURE_PATHS = {
    "import_structures": Paths.import_structures,
    "structure_update": to_public,
    "structure_bulk_update": Paths.structure_bulk_update,
}


@pytest.mark.parametrize("path", list(STRUCTURE_PATHS))
def test_a_structure_changing_type_rebuilds_the_pages_of_its_scope(client, paths, reader, path):
    scope = departement(paths.structures[1])
    before = page(client, scope)
    STRUCTURE_PATHS[path](paths, 1, DAY)
    paths.client.force_login(reader)
    after = page(client, scope)
    assert after != before
    cache.clear()
    assert page(client, scope) == after


def test_a_rebuild_and_a_registry_write_move_every_page(client, paths, reader):
    scope = departement(paths.structures[0])
    page(client, scope)
    first = keys(scope, reader)
    call_command("stats_rebuild", verbosity=0)
    second = keys(scope, reader)
    assert second.head != first.head and second.figures != first.figures
    ContractFactory(structure=paths.structures[1])  # the registry: advisors in post, names, who sees whom
    assert keys(scope, reader).head != second.head


def test_two_readers_of_different_rights_never_share_a_page(client, paths):
    """The programme team reads a structure's private tag; the prefecture of the département reads only the public
    ones, on the same page, whichever of them asks first."""
    public = paths.structures[0]
    private = TagFactory(name="Projet confidentiel", structure=public, scope=TagScope.STRUCTURE, private=True)
    activity = Activity.objects.filter(structure=public).first()
    activity.tags.add(private)
    scope = departement(public)
    programme, prefecture = UserFactory(), UserFactory()
    RoleAssignmentFactory(user=programme, role=Role.PROGRAMME_TEAM)
    RoleAssignmentFactory(user=prefecture, role=Role.PREFECTURE_DEPARTEMENT, scope=public.departement)
    for order in ((programme, prefecture), (prefecture, programme)):
        cache.clear()
        for user in order:
            client.force_login(user)
            shown = page(client, scope)
            assert ("Projet confidentiel" in shown) == (user == programme)
    assert keys(scope, programme) != keys(scope, prefecture)


def test_a_page_is_stored_compressed_and_read_back_whole():
    body = {"summary": "<p>35 553 accompagnements</p>" * 2000, "figures": "<td>1 234</td>" * 5000}
    dashboard_cache.put("corps", body)
    assert len(cache.get("corps")) * 10 < len(body["summary"]) + len(body["figures"])
    assert dashboard_cache.get(dashboard_cache.Keys(head="corps", figures="absent")) == (body, None)


def test_a_page_built_again_looks_at_the_queue_once_and_reads_its_versions_once(client, paths, reader):
    """Its parts that read the tables (the keys, the figures, the registry's figures) share one look at the pending
    activities and one reading of the page's versions (cnum.stats.cached.one_reading)."""
    scope = departement(paths.structures[0])
    page(client, scope)
    record(paths, 0, DAY)
    pending.drain()  # counted, as the drainer would: the page's figures are built again, its head is not
    with CaptureQueriesContext(connection) as built:
        page(client, scope)
    statements = [query["sql"] for query in built.captured_queries]
    assert 'FROM "stats_statpending"' in "".join(statements)
    assert sum(sql.startswith('SELECT 1 AS "a" FROM "stats_statpending"') for sql in statements) == 1
    page_versions = [sql for sql in statements if "stats_scopeversion" in sql and "'registry'" in sql]
    assert len(page_versions) == 1, page_versions
