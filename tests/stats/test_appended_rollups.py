"""The importers write activities with raw SQL (cnum.core.bulk) and the statistics count them from the rows sent
with `activities_appended` (cnum.stats.appends), not from the write gateway: after any mix of files (advisors already
counted in a cell by earlier activities, an advisor who changed employer, team members by day, individual and
collective rows, several batches, a second import of the same file), the recount finds no difference."""

import csv
import datetime
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cnum.activities.importers import pipeline
from cnum.activities.models import Activity
from cnum.core.imports import run_import
from cnum.stats import appends, rollups, rollups_sql, verify
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import ContractFactory, TeamFactory, TeamMembershipFactory
from tests.stats.test_rollups import World

pytestmark = pytest.mark.django_db
FIRST = datetime.date(2024, 11, 20)

rows = st.lists(
    st.tuples(
        st.integers(0, 2),  # advisor
        st.integers(0, 150),  # day after FIRST
        st.booleans(),  # collective
        st.integers(1, 4),  # participants
        st.sampled_from(["email", "email|sante", "bureautique"]),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def world():
    world = World()
    # A third advisor, employed by the public structure, then by the private one from February 2025.
    moved = ContractFactory(structure=world.structures[0], end=datetime.date(2025, 1, 31)).advisor
    ContractFactory(advisor=moved, structure=world.structures[1], start=datetime.date(2025, 2, 1))
    world.advisors.append(moved)
    TeamMembershipFactory(team=world.team, advisor=moved, start=datetime.date(2025, 1, 10))
    TeamMembershipFactory(team=TeamFactory(structure=world.structures[1]), advisor=world.advisors[1])
    # Counted already: activities recorded before the import, in some of the cells the files reach.
    for advisor, day in ((world.advisors[0], FIRST), (moved, datetime.date(2025, 3, 3))):
        ActivityFactory(advisor=advisor, structure=advisor.contracts.latest("start").structure, date=day)
    return world


def write(path, world, drawn, prefix="L"):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "date", "type", "duree", "type_lieu", "thematiques", "conseiller_email", "participants", "genre"]
        )
        for n, (advisor, day, collective, participants, themes) in enumerate(drawn):
            date = FIRST + datetime.timedelta(days=day)
            kind, count = ("collectif", participants) if collective else ("individuel", "")
            email = world.advisors[advisor].email
            writer.writerow([f"{prefix}{n}", date, kind, 30, "a_distance", themes, email, count, "femme"])


# No shrinking: each example imports three files; a failure is shown as drawn.
@settings(
    max_examples=16,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    first=rows,
    second=rows,
    batch=st.sampled_from([1, 3, 2_000]),
    pending=st.sampled_from([0, 50_000]),
    copied=st.sampled_from([0, rollups.COPY_UPSERT_AFTER]),
)
def test_imported_activities_are_counted_exactly(world, tmp_path, first, second, batch, pending, copied):
    # pending: the sums applied after each batch, or held to the end of the file; copied: on PostgreSQL, every
    # upsert through COPY, or only the large ones.
    with (
        transaction.atomic(),
        mock.patch.object(appends, "CELLS_PENDING", pending),
        mock.patch.object(rollups, "COPY_UPSERT_AFTER", copied),
    ):
        imports(world, tmp_path, first, second, batch)
        transaction.set_rollback(True)


def imports(world, tmp_path, first, second, batch):
    for prefix, drawn in (("A", first), ("B", second), ("A", first)):  # the last one changes nothing
        path = tmp_path / "activites.csv"
        write(path, world, drawn, prefix)
        report = run_import(format_name="cnum-csv", path=path, dry_run=False, batch_size=batch)
        assert not report.rejected, report.rejected
        assert [str(d) for d in verify.differences(method="sql")] == []
    assert Activity.objects.filter(source="cnum-csv").count() == len(first) + len(second)


def _sparse_history(world, tmp_path, rows):
    """A file whose sums are applied after each of its batches of 2 rows, taken for a history (any size is)."""
    path = tmp_path / "histoire.csv"
    write(path, world, rows, prefix="H")
    return path, (
        mock.patch.object(appends, "CELLS_PENDING", 0),
        mock.patch.object(pipeline, "SET_ASIDE_FROM", 1),
        mock.patch.object(rollups_sql, "rebuild", wraps=rollups_sql.rebuild),
    )


HISTORY_ROWS = [(n % 3, n * 7, n % 4 == 0, 1 + n % 3, "email") for n in range(12)]


def test_a_history_whose_activities_share_few_cells_is_counted_again_at_its_end(world, tmp_path):
    path, (pending, threshold, rebuild) = _sparse_history(world, tmp_path, HISTORY_ROWS)
    with pending, threshold, rebuild as rebuilt, mock.patch.object(rollups, "apply", wraps=rollups.apply) as applied:
        report = run_import(format_name="cnum-csv", path=path, dry_run=False, batch_size=2)
    assert (report.created, report.rejected) == (12, [])
    # The first batch's sums fill CELLS_PENDING (0 here) long before RECOUNT_BELOW rows: never applied, the load
    # no longer followed, the table counted again once, at the end.
    assert rebuilt.call_count == 1 and applied.call_count == 0
    assert [str(d) for d in verify.differences(method="sql")] == []


def test_a_history_rolled_back_or_smaller_than_what_is_recorded_is_not_counted_again(world, tmp_path):
    path, (pending, threshold, rebuild) = _sparse_history(world, tmp_path, HISTORY_ROWS)
    with pending, threshold, rebuild as rebuilt:
        report = run_import(format_name="cnum-csv", path=path, dry_run=True, batch_size=2)
        assert report.created == 12 and rebuilt.call_count == 0  # a dry run: its transaction is rolled back
        for _ in range(20):  # more activities recorded than the file brings: not a history
            ActivityFactory(advisor=world.advisors[0], structure=world.structures[0], date=FIRST)
        report = run_import(format_name="cnum-csv", path=path, dry_run=False, batch_size=2)
        assert report.created == 12 and rebuilt.call_count == 0
    assert [str(d) for d in verify.differences(method="sql")] == []
