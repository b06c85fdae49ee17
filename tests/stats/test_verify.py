"""stats_verify: recounts the figures from the records and compares them with the rollup tables, on both engines
(the suite runs on SQLite and PostgreSQL in CI)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from cnum.stats import verify
from cnum.stats.models import StatCell, StatPeople
from tests.stats.test_rollups import World

pytestmark = pytest.mark.django_db

INDIVIDUAL = {
    "type": "individuel",
    "remote": True,
    "themes": ["email"],
    "duration": 45,
    "equipment": ["ordinateur"],
    "person": 0,
    "answer": "oui",
    "genre": "feminin",
}
COLLECTIVE = {
    **INDIVIDUAL,
    "type": "collectif",
    **dict(listed=[0, 1], anonymous=3, first_time=2, asked=2, progressed=1, women=1),
}


@pytest.fixture
def world():
    world = World()
    for index, day, values in [(0, 40, INDIVIDUAL), (0, 75, COLLECTIVE), (1, 80, INDIVIDUAL), (1, 130, COLLECTIVE)]:
        world.apply(("record", index, {**values, "day": day}))
    return world


def verify_command(*args) -> str:
    out = io.StringIO()
    call_command("stats_verify", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("method", verify.METHODS)
def test_maintained_tables_verify_clean(world, method):
    assert "égales au recomptage" in verify_command("--method", method)
    scope = f"advisor:{world.advisors[0].pk}"
    quarter = ("--from", "2025-01-01", "--to", "2025-03-31")
    assert "égales" in verify_command("--method", method, "--scope", scope, *quarter)


@pytest.mark.parametrize("method", verify.METHODS)
def test_each_differing_cell_is_printed_and_the_command_fails(world, method):
    cell = StatCell.objects.get(
        scope_kind="departement", scope_code="69", month=datetime.date(2025, 2, 1), type="collectif"
    )
    StatCell.objects.filter(pk=cell.pk).update(activities=5, minutes=1)
    StatPeople.objects.filter(scope_kind="national", period="2025-T1", type="").update(count=99)
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 valeurs") as raised:
        call_command("stats_verify", "--method", method, stdout=out, stderr=io.StringIO())
    assert raised.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert "StatCell departement:69 2025-02 collectif/a_distance/public activities : attendu 1, trouvé 5" in lines
    assert "StatCell departement:69 2025-02 collectif/a_distance/public minutes : attendu 45, trouvé 1" in lines
    assert "StatPeople national 2025-T1 - count : attendu 3, trouvé 99" in lines
    # Outside the scope or the dates asked for, nothing differs.
    assert "égales" in verify_command("--method", method, "--scope", "departement:01")
    assert "égales" in verify_command("--method", method, "--from", "2025-03-01", "--to", "2025-06-15")
    with pytest.raises(CommandError, match="2 valeurs"):
        call_command("stats_verify", "--scope", "departement:69", "--to", "2025-02-28", stdout=io.StringIO())


def test_a_missing_or_extra_row_differs(world):
    StatCell.objects.filter(scope_kind="advisor").delete()
    StatPeople.objects.create(scope_kind="team", scope_code="999", period="2025", type="", count=1)
    found = verify.differences()
    assert {d.table for d in found} == {"StatCell", "StatPeople"}
    assert all(d.found == 0 for d in found if d.table == "StatCell")
    assert [d.expected for d in found if d.table == "StatPeople"] == [0]


def test_the_sql_recount_leaves_the_tables_as_they_were(world):
    StatCell.objects.filter(scope_kind="national").update(activities=0)
    before = sorted(StatCell.objects.values_list("pk", "activities"))
    assert verify.differences(method="sql")
    assert sorted(StatCell.objects.values_list("pk", "activities")) == before


def test_the_sql_recount_reads_only_the_rows_that_differ(world, monkeypatch):
    """The database compares the stored rows with the rebuilt ones: the process never reads the tables whole (at
    national scale, ≈ 10 GB of its memory)."""
    monkeypatch.setattr(verify.Window, "stored", lambda window: pytest.fail("the tables read whole"))
    everything = verify.Window(None, None, None)
    nothing = {"StatCell": {}, "StatPeople": {}, "StatTag": {}}
    assert verify._recount_sql(everything) == (nothing, nothing)
    national = StatCell.objects.filter(scope_kind="national")
    keys = {(c.scope_kind, c.scope_code, c.month, c.type, c.place_type, c.employer_kind) for c in national}
    national.update(activities=0)
    expected, found = verify._recount_sql(everything)
    assert set(expected["StatCell"]) == set(found["StatCell"]) == keys
    assert not expected["StatPeople"] and not found["StatPeople"]
    assert all(measures[0] == 0 for measures in found["StatCell"].values())
    assert all(measures[0] > 0 for measures in expected["StatCell"].values())


def test_window_keeps_whole_months_and_calendar_periods():
    window = verify.Window(None, datetime.date(2025, 1, 15), datetime.date(2025, 6, 30))
    assert (window.first, window.last) == (datetime.date(2025, 2, 1), datetime.date(2025, 6, 30))
    assert window.has_period("2025-T2") and not window.has_period("2025-T1") and not window.has_period("all")
    assert window.has_period("2025-02") and not window.has_period("2025")
    assert verify.period_bounds("2024-T4") == (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))


def test_errors_are_french():
    with pytest.raises(CommandError, match="introuvable"):
        call_command("stats_verify", scope="advisor:4242", stdout=io.StringIO())
