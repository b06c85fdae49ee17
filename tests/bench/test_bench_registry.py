"""The import benches' registry: two benches in one database (PostgreSQL's national run: the import, then the web
import) name the same advisors and sites, and their rows have ids of their own."""

import pytest

from bench.activities_import import registry, write_file
from cnum.advisors.models import Advisor, Contract, Team, TeamMembership
from cnum.sites.models import Site
from cnum.structures.models import Structure

pytestmark = pytest.mark.django_db
MODELS = (Advisor, Contract, Site, Structure, Team, TeamMembership)


def test_a_second_bench_in_the_same_database_names_the_same_registry_and_writes_ids_of_its_own(tmp_path):
    first = registry(*MODELS)
    counts = [model.objects.count() for model in MODELS]
    second = registry(*MODELS)
    assert second == first and [model.objects.count() for model in MODELS] == counts
    write_file(tmp_path / "a.csv", 3, second)
    write_file(tmp_path / "w.csv", 3, second, prefix="W")
    ids = [line.split(",")[0] for line in (tmp_path / "w.csv").read_text().splitlines()[1:]]
    assert ids == ["W0", "W1", "W2"] and (tmp_path / "a.csv").read_text().splitlines()[1].startswith("B0,")


def test_the_files_of_each_format_go_in_whole(tmp_path, cog):
    """What the import bench measures for each format is an import of every row: the same rows in a workbook as in
    the CSV, and a v1 export whose structures, communes and counts the v1 importer takes (none refused)."""
    from bench.activities_import import write_v1_file, write_workbook
    from cnum.activities.models import Activity
    from cnum.core.imports import run_import
    from cnum.territories.models import PostalCode

    names = registry(*MODELS)
    write_file(tmp_path / "a.csv", 40, names)
    write_workbook(tmp_path / "a.csv", tmp_path / "a.xlsx")
    report = run_import(format_name="xlsx", path=tmp_path / "a.xlsx", dry_run=False)
    assert (report.created, report.rejected) == (40, [])
    rows = [line.split(",") for line in (tmp_path / "a.csv").read_text().splitlines()[1:]]
    written = Activity.objects.filter(source="xlsx").values_list("source_id", "date", "duration_minutes")
    assert sorted((row[0], row[1], int(row[3])) for row in rows) == sorted(
        (source_id, day.isoformat(), minutes) for source_id, day, minutes in written
    )
    communes = list(PostalCode.objects.order_by("pk").values_list("commune__code", "code"))
    write_v1_file(tmp_path / "v1.csv", 60, communes)
    report = run_import(format_name="cnfs-v1-csv", path=tmp_path / "v1.csv", dry_run=False)
    assert (report.created, report.rejected) == (60, [])
    assert Activity.objects.filter(source="cnfs-v1-csv").values("structure").distinct().count() > 20
