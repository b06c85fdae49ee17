"""Figures by tag (issue #21): the tags' rollup table kept exact on every write path — the services, the tags
attached and detached directly, an activity deleted —, rebuilt by Python and by SQL alike, checked by stats_verify;
`stats --json` gives `by_tag` by tag id, and a tag filters the figures."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.activities import services
from cnum.stats import engine, indicators, rollups, rollups_sql, verify
from cnum.stats.models import StatTag
from cnum.stats.scopes import Filters, Scope, activities
from tests.activities.factories import TagFactory
from tests.stats.test_rollups import World, table_rows, without_computed
from tests.stats.test_verify import COLLECTIVE, INDIVIDUAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = World()
    world.apply(("record", 0, {**INDIVIDUAL, "day": 40, "tags": [0, 2]}))
    world.apply(("record", 0, {**COLLECTIVE, "day": 75, "tags": [0]}))
    world.apply(("record", 1, {**INDIVIDUAL, "day": 80, "tags": [1, 2]}))  # 2 is not this advisor's: dropped
    return world


def by_tag(world, scope="national", **filters) -> dict:
    return engine.figures(Scope.parse(scope), filters=Filters(**filters))["by_tag"]


def test_each_tag_counts_its_activities_in_every_scope_of_the_activity(world):
    first, second, private = (str(tag.pk) for tag in world.tags)
    assert by_tag(world) == {first: 2, private: 1, second: 1}
    assert by_tag(world, f"advisor:{world.advisors[1].pk}") == {second: 1}
    assert by_tag(world, f"structure:{world.structures[0].pk}") == {first: 2, private: 1}
    assert engine.figures(Scope.parse("national"))["computed"]["figures"] == "rollups"


def test_attaching_and_detaching_a_tag_directly_moves_the_figures(world):
    first = world.tags[0]
    activity = world.structures[1].activities.get()
    activity.tags.add(first)
    assert by_tag(world)[str(first.pk)] == 3
    activity.tags.remove(first)
    world.structures[0].activities.first().tags.clear()
    assert by_tag(world)[str(first.pk)] == 1
    assert not verify.differences(method="python")


def test_updating_and_deleting_an_activity_keeps_the_figures_exact(world):
    first = world.tags[0]
    workshop = world.structures[0].activities.get(type="collectif")
    data = world.data(workshop.advisor, {**COLLECTIVE, "day": 75, "tags": [1]})
    services.activity_update(activity=workshop, data=data)
    assert str(first.pk) in by_tag(world) and by_tag(world)[str(first.pk)] == 1
    services.activity_delete(activity=world.structures[0].activities.get(type="individuel"))
    assert str(first.pk) not in by_tag(world)
    assert not StatTag.objects.filter(tag=first.pk).exists()  # rows left at zero are removed


def test_both_rebuilds_give_the_maintained_table_and_verify_is_clean(world):
    maintained = table_rows()
    assert maintained["StatTag"]
    rollups.rebuild()
    assert table_rows() == maintained
    rollups_sql.rebuild()
    assert table_rows() == maintained
    for method in verify.METHODS:
        assert not verify.differences(method=method)


def test_stats_verify_reports_a_wrong_tag_count(world):
    StatTag.objects.filter(scope_kind="national").update(activities=7)
    found = verify.differences(method="python")
    assert found and all(difference.table == "StatTag" for difference in found)


def test_a_tag_filter_counts_the_activities_carrying_it_live(world):
    first = world.tags[0]
    scope = Scope.parse("national")
    figures = engine.figures(scope, filters=Filters(tag=str(first.pk)))
    assert figures["activities"] == 2 and figures["computed"]["figures"] == "live"
    assert without_computed(figures) == indicators.summary(activities(scope, filters=Filters(tag=str(first.pk))))


def test_stats_json_has_by_tag_keyed_by_tag_id_and_a_tag_option(world):
    first = world.tags[0]
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    assert json.loads(out.getvalue())["by_tag"][str(first.pk)] == 2
    out = io.StringIO()
    call_command("stats", "--json", "--tag", str(first.pk), stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["activities"] == 2 and payload["filters"] == {"tag": str(first.pk)}
    out = io.StringIO()
    call_command("stats", stdout=out)
    assert f"{first.name} (n° {first.pk}) : 2" in out.getvalue()


def test_an_archived_tag_keeps_its_figures(world):
    first = world.tags[0]
    first.archived_at = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    first.save()
    assert by_tag(world)[str(first.pk)] == 2
    TagFactory()  # a tag on nothing counts nowhere
    assert len(by_tag(world)) == 3


# --- the dashboard: a tag filter and the breakdown, private tags within their scope only ------------------------

DASHBOARD = reverse("stats:dashboard")
EXPORT_CSV = reverse("stats:export", args=["csv"])


def signed_in(client, role, scope=None):
    from tests.accounts.factories import RoleAssignmentFactory

    client.force_login(RoleAssignmentFactory(role=role, scope=scope).user)


def test_the_dashboard_breaks_down_by_tag_and_filters_by_one(client, world):
    first, _, private = world.tags
    signed_in(client, Role.STRUCTURE_MANAGER, world.structures[0])
    query = {"scope": f"structure:{world.structures[0].pk}", "periode": "tout"}
    response = client.get(DASHBOARD, query)
    sections = {section["title"]: section for section in response.context["breakdowns"]}
    assert sections["Étiquettes"]["rows"] == [[first.name, 2], [private.name, 1]]
    response = client.get(DASHBOARD, {**query, "etiquette": first.pk})
    assert response.context["figures"]["activities"] == 2
    csv = client.get(EXPORT_CSV, query).content.decode()
    assert f"{private.name};1" in csv


def test_a_private_tag_is_read_within_its_scope_only(client, world):
    first, _, private = world.tags  # private: the public structure's
    signed_in(client, Role.PROGRAMME_TEAM)
    query = {"scope": "national", "periode": "tout"}
    rows = {section["title"]: section for section in client.get(DASHBOARD, query).context["breakdowns"]}
    assert [private.name, 1] in rows["Étiquettes"]["rows"]
    signed_in(client, Role.STRUCTURE_MANAGER, world.structures[1])
    query = {"scope": f"structure:{world.structures[1].pk}", "periode": "tout"}
    response = client.get(DASHBOARD, query)
    assert private.name not in response.content.decode()
    response = client.get(DASHBOARD, {**query, "etiquette": private.pk})
    assert response.context["form"].errors["etiquette"]
    assert client.get(EXPORT_CSV, {**query, "etiquette": private.pk}).status_code == 400


def test_tags_are_never_on_the_public_page(client, world):
    response = client.get(reverse("stats:public"))
    assert "Étiquettes" not in [section["title"] for section in response.context["breakdowns"]]
    assert all(tag.name not in response.content.decode() for tag in world.tags)
