"""`advisors_recording` (catalogue: a distinct count, StatPeople's `advisors` column): distinct advisors with at
least one activity in the period within the scope — kept by every write, rebuilt, checked by stats_verify, and shown
in `stats --json`, on the dashboard and in the exports."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from cnum.activities.enums import ActivityType
from cnum.activities.models import Activity
from cnum.stats import engine, rollups, rollups_sql, verify
from cnum.stats.models import StatPeople
from cnum.stats.scopes import Filters, Scope
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory
from tests.stats.test_pages import figure
from tests.structures.factories import StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db
Q1 = (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))


@pytest.fixture
def world():
    """Camille records in January and March in Lyon (one workshop), Dominique once in February in Lyon, Sacha once in
    the Ain."""
    rhone, ain = DepartementFactory(code="69"), DepartementFactory(code="01", name="Ain")
    lyon, bourg = StructureFactory(departement=rhone), StructureFactory(departement=ain)
    camille, dominique, sacha = AdvisorFactory(), AdvisorFactory(), AdvisorFactory()
    ActivityFactory(advisor=camille, structure=lyon, date=datetime.date(2025, 1, 10))
    ActivityFactory(advisor=camille, structure=lyon, date=datetime.date(2025, 3, 10), collective=True)
    ActivityFactory(advisor=dominique, structure=lyon, date=datetime.date(2025, 2, 3))
    ActivityFactory(advisor=sacha, structure=bourg, date=datetime.date(2025, 2, 4))
    return {"lyon": lyon, "camille": camille, "dominique": dominique, "sacha": sacha}


def recording(scope: str, since=None, until=None, **filters) -> int:
    return engine.figures(Scope.parse(scope), since, until, Filters(**filters))["advisors_recording"]


def test_an_advisor_counts_once_per_period_however_many_activities(world):
    assert recording("national", *Q1) == 3
    assert recording("departement:69", *Q1) == 2
    assert recording("departement:69", datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)) == 1
    assert recording("departement:69", datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)) == 1
    assert recording(f"advisor:{world['camille'].pk}", *Q1) == 1
    assert recording("departement:69", *Q1, type=ActivityType.COLLECTIVE) == 1
    # Read from the rollups for a calendar period, counted live otherwise: the same.
    assert engine.figures(Scope.parse("departement:69"), *Q1)["computed"]["people"] == "rollups"
    assert recording("departement:69", datetime.date(2025, 1, 5), datetime.date(2025, 3, 20)) == 2


def test_stats_json_gives_it(world):
    out = io.StringIO()
    call_command(
        "stats", "--scope", "departement:69", "--from", "2025-01-01", "--to", "2025-03-31", "--json", stdout=out
    )
    assert json.loads(out.getvalue())["advisors_recording"] == 2


def test_moving_and_deleting_activities_keeps_it_exact_and_verified(world):
    # Dominique's only activity is given to Camille: Dominique no longer counts; then Camille's January one goes.
    Activity.objects.filter(advisor=world["dominique"]).update(advisor=world["camille"])
    assert recording("departement:69", *Q1) == 1
    assert recording("departement:69", datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)) == 1
    Activity.objects.filter(advisor=world["camille"], date=datetime.date(2025, 1, 10)).delete()
    assert recording("departement:69", datetime.date(2025, 1, 1), datetime.date(2025, 1, 31)) == 0
    assert recording("departement:69", *Q1) == 1
    for method in verify.METHODS:
        assert verify.differences(method=method) == []
    maintained = sorted(StatPeople.objects.values_list(*StatPeople.KEY_FIELDS, *StatPeople.MEASURES))
    rollups.rebuild()
    assert sorted(StatPeople.objects.values_list(*StatPeople.KEY_FIELDS, *StatPeople.MEASURES)) == maintained
    rollups_sql.rebuild()
    assert sorted(StatPeople.objects.values_list(*StatPeople.KEY_FIELDS, *StatPeople.MEASURES)) == maintained


def test_stats_verify_reports_a_wrong_count_of_advisors(world):
    StatPeople.objects.filter(scope_kind="departement", scope_code="69", period="2025-T1", type="").update(advisors=7)
    found = [str(difference) for difference in verify.differences(method="python")]
    assert found == ["StatPeople departement:69 2025-T1 - advisors : attendu 2, trouvé 7"]


def test_dashboard_tile_and_exports_show_it(client, world):
    client.force_login(UserFactory(programme_team=True))
    query = {"scope": "departement:69", "du": "2025-01-01", "au": "2025-03-31"}
    html = client.get(reverse("stats:dashboard"), query).content.decode()
    assert figure(html, "advisors_recording") == "2"
    assert "Conseillers distincts ayant au moins une activité dans la période." in html
    csv = client.get(reverse("stats:export", args=["csv"]), query).content.decode("utf-8-sig")
    assert "Conseillers ayant saisi une activité;2" in csv.splitlines()
