import csv
import datetime
import io
import tracemalloc

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection

from cnum.activities.importers import pipeline
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.core import bulk
from cnum.core.imports import formats, run_import
from cnum.structures.models import Structure
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "id",
    "date",
    "type",
    "duree",
    "type_lieu",
    "lieu_id",
    "thematiques",
    "conseiller_email",
    "genre",
    "tranche_age",
    "participants",
    "participants_deja_accompagnes",
]


@pytest.fixture
def advisor():
    advisor = AdvisorFactory(email="camille@exemple.fr")
    ContractFactory(advisor=advisor, start=datetime.date(2024, 1, 1))
    return advisor


@pytest.fixture
def site():
    return SiteFactory()


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(number, site, *, bad=False, collective=False):
    kind = "Atelier collectif" if collective else "individuel"
    return [
        f"A{number}",
        "15/03/2025" if not bad else "2025-13-45",
        kind,
        "45",
        "Lieu d'activité",
        site.pk,
        "email|Navigation sur internet",
        "Camille@exemple.fr",
        "Féminin",
        "",
        "8" if collective else "",
        "3" if collective else "",
    ]


def test_formats_are_registered_for_the_upload_page():
    assert {f.name for f in formats("activites")} == {"cnum-csv", "xlsx", "cnfs-v1-csv"}


def test_individual_and_collective_rows_are_imported(tmp_path, advisor, site):
    path = write_csv(tmp_path / "a.csv", [row(1, site), row(2, site, collective=True)])
    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    assert report.rejected == [] and report.created == 2
    individual, collective = Activity.objects.get(source_id="A1"), Activity.objects.get(source_id="A2")
    assert individual.themes == ["email", "navigation_sur_internet"] and individual.duration_minutes == 45
    assert individual.structure_id == advisor.contracts.get().structure_id
    assert individual.accompaniments.get().beneficiary.genre == "feminin"
    assert (collective.anonymous_participants, collective.anonymous_first_time) == (8, 5)


def test_reimport_changes_nothing(tmp_path, advisor, site):
    path = write_csv(tmp_path / "a.csv", [row(1, site), row(2, site, collective=True)])
    run_import(format_name="cnum-csv", path=path, dry_run=False)
    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    assert (report.created, report.unchanged) == (0, 2) and report.warnings == []
    assert Activity.objects.count() == 2 and Beneficiary.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_large_load_gathers_the_planner_statistics_of_its_tables(tmp_path, advisor, site, monkeypatch):
    monkeypatch.setattr(pipeline, "ANALYZE_AFTER", 50)  # a large load, in small
    path = write_csv(tmp_path / "a.csv", [row(n, site) for n in range(60)])
    run_import(format_name="cnum-csv", path=path, dry_run=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Activity._meta.db_table])
        assert cursor.fetchone()[0] == Activity.objects.count() == 60  # -1 (never analysed) without the ANALYZE


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [Activity._meta.db_table]
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's indexes set aside during a load")
@pytest.mark.parametrize("bad", [False, True], ids=["written", "rolled back"])
def test_a_first_large_import_builds_the_indexes_again_at_its_end_with_its_rows(
    tmp_path, advisor, site, monkeypatch, bad
):
    monkeypatch.setattr(bulk, "SET_ASIDE_FROM", 50)  # a large load, in small
    before, during = _index_names(), []
    original = pipeline.Checker.check

    def watched(checker, batch):
        during.append(_index_names())
        original(checker, batch)

    monkeypatch.setattr(pipeline.Checker, "check", watched)
    path = write_csv(tmp_path / "a.csv", [row(n, site, bad=bad and n == 59) for n in range(60)])
    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    assert during and all(pipeline.READ_BY_THE_LOAD[0] in names and names < before for names in during)
    assert _index_names() == before
    assert Activity.objects.filter(date=datetime.date(2025, 3, 15)).count() == (0 if bad else 60)
    assert report.rolled_back == bad


def test_a_thousand_rows_with_three_bad_ones(tmp_path, advisor, site):
    bad = {10, 500, 999}
    rows = [row(n, site, bad=n in bad) for n in range(1, 1001)]
    rows[599][6] = "astrologie"  # an unknown theme, on the line 601
    bad.add(600)
    rows[9][6] = "astrologie"  # two problems on one row: still one rejected row
    path = write_csv(tmp_path / "a.csv", rows)

    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    assert sorted(p.line for p in report.rejected) == sorted(n + 1 for n in bad)
    assert "Date « 2025-13-45 » illisible" in report.rejected[0].reason and "astrologie" in report.rejected[0].reason
    assert report.rolled_back and Activity.objects.count() == 0

    report = run_import(format_name="cnum-csv", path=path, dry_run=False, allow_partial=True)
    assert len(report.rejected) == 4 and report.created == 996 == Activity.objects.count()


def test_exactly_three_bad_rows_reported_then_997_with_allow_partial(tmp_path, advisor, site):
    bad = {2, 400, 1000}
    path = write_csv(tmp_path / "a.csv", [row(n, site, bad=n in bad) for n in range(1, 1001)])
    out = io.StringIO()
    call_command("import_activities", str(path), format="cnum-csv", stdout=out)
    assert Activity.objects.count() == 0
    assert [line for line in out.getvalue().splitlines() if "rejetée :" in line] == [
        f"Ligne {n + 1} rejetée : Date « 2025-13-45 » illisible : AAAA-MM-JJ ou JJ/MM/AAAA attendu."
        for n in sorted(bad)
    ]
    call_command("import_activities", str(path), format="cnum-csv", allow_partial=True, stdout=io.StringIO())
    assert Activity.objects.count() == 997 and Accompaniment.objects.count() == 997


def test_dry_run_writes_nothing(tmp_path, advisor, site):
    path = write_csv(tmp_path / "a.csv", [row(1, site)])
    call_command("import_activities", str(path), format="cnum-csv", dry_run=True, stdout=io.StringIO())
    assert Activity.objects.count() == 0


def test_duplicate_ids_and_unknown_advisor_are_rejected(tmp_path, advisor, site):
    stranger = row(3, site)
    stranger[7] = "inconnu@exemple.fr"
    path = write_csv(tmp_path / "a.csv", [row(1, site), row(1, site), stranger])
    report = run_import(format_name="cnum-csv", path=path, dry_run=False, allow_partial=True)
    reasons = {p.line: p.reason for p in report.rejected}
    assert reasons[3] == "Doublon de la ligne 2 (même id)." and "inconnu@exemple.fr" in reasons[4]


def test_missing_columns_refuse_the_file(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["1"]], header=["id"])
    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    assert report.fatal.startswith("Colonne(s) obligatoire(s) absente(s)") and "date" in report.fatal


def test_xlsx_reads_the_same_columns(tmp_path, advisor, site):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    cells = row(1, site)
    cells[1] = datetime.datetime(2025, 3, 15)
    workbook.active.append(cells)
    workbook.save(tmp_path / "a.xlsx")
    report = run_import(format_name="xlsx", path=tmp_path / "a.xlsx", dry_run=False)
    assert report.created == 1 and Activity.objects.get().date == datetime.date(2025, 3, 15)
    again = run_import(format_name="xlsx", path=tmp_path / "a.xlsx", dry_run=False)
    assert (again.created, again.unchanged, again.warnings) == (0, 1, [])


def test_streaming_import_writes_in_batches(tmp_path, advisor, site, monkeypatch):
    """5,000 rows by batches of 500: ten bulk writes, and Python's peak memory far below what holding them takes."""
    path = write_csv(tmp_path / "a.csv", [row(n, site, collective=n % 2 == 0) for n in range(1, 5001)])
    tracemalloc.start()
    report = run_import(format_name="cnum-csv", path=path, dry_run=False, batch_size=500)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.batches == 10 and Activity.objects.count() == 5000
    # Holding 5,000 unsaved activities costs several MB; one batch of 500 about a tenth of it.
    assert peak < 8 * 1024 * 1024


def test_existing_activities_keep_their_data(tmp_path, advisor, site):
    ActivityFactory(source="cnum-csv", source_id="A1", duration_minutes=90, advisor=advisor, accompaniment=False)
    path = write_csv(tmp_path / "a.csv", [row(1, site)])
    report = run_import(format_name="cnum-csv", path=path, dry_run=False)
    assert report.unchanged == 1 and Activity.objects.get(source_id="A1").duration_minutes == 90
    # Not silently: the warning names what the file says differently, on the row's line.
    (warning,) = report.warnings
    assert warning.line == 2 and warning.value == "A1" and "déjà importée" in warning.reason
    assert "durée (minutes)" in warning.reason and "personnes accompagnées" in warning.reason
    assert Structure.objects.count() >= 1 and pipeline.BATCH_SIZE == 2000


# --- Sensible limits on what an import reads (issue #15, finding 12) ----------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_file_longer_than_the_row_limit_is_refused_whole(tmp_path, advisor, site, settings, suffix):
    from openpyxl import Workbook

    settings.CNUM_IMPORT_MAX_ROWS = 5
    rows = [row(number, site) for number in range(6)]
    if suffix == "csv":
        path = write_csv(tmp_path / "long.csv", rows)
    else:
        workbook = Workbook()
        for cells in [HEADER, *rows]:
            workbook.active.append(cells)
        path = tmp_path / "long.xlsx"
        workbook.save(path)
    report = run_import(format_name="cnum-csv" if suffix == "csv" else "xlsx", path=path, dry_run=False)
    assert "Fichier trop long : plus de 5 lignes" in report.fatal
    assert not Activity.objects.exists()
    settings.CNUM_IMPORT_MAX_ROWS = 6
    assert run_import(format_name="cnum-csv" if suffix == "csv" else "xlsx", path=path, dry_run=False).created == 6


def test_an_xlsx_that_would_expand_beyond_the_limit_is_refused_before_it_is_opened(tmp_path, settings):
    """A "zip bomb": a few kilobytes of zip holding a sheet of many megabytes of zeros."""
    import zipfile

    path = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"0" * (3 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    settings.CNUM_IMPORT_MAX_XLSX_EXPANDED_MB = 2
    report = run_import(format_name="xlsx", path=path, dry_run=False)
    assert report.fatal.startswith("Classeur XLSX refusé : une fois décompressé, il occuperait 3 Mo")


def test_a_sheet_declaring_sixteen_thousand_columns_is_read_within_the_column_limit(tmp_path, advisor, site):
    from openpyxl import Workbook

    from cnum.activities.importers.reading import iter_rows

    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(row(1, site))
    workbook.active.cell(row=2, column=16_000, value="loin")
    workbook.save(tmp_path / "large.xlsx")
    widths = {len(cells) for _, cells in iter_rows(tmp_path / "large.xlsx")}
    assert max(widths) <= 256


class Bar:
    """Stands for the command's progress bar: what it was told."""

    def __init__(self, total=None, desc=""):
        self.total, self.done, self.closed = total, 0, False

    def update(self, n):
        self.done += n

    def close(self):
        self.closed = True


def test_the_progress_bar_knows_the_rows_to_come_so_it_can_say_the_time_left(tmp_path, advisor, site):
    path = write_csv(tmp_path / "a.csv", [row(n, site, collective=n % 2) for n in range(2_345)])
    bars = []

    def progress(**kwargs):
        bars.append(Bar(**kwargs))
        return bars[-1]

    report = run_import(format_name="cnum-csv", path=path, dry_run=False, progress=progress)
    (bar,) = bars
    assert report.created == bar.total == bar.done == 2_345 and bar.closed


def test_the_progress_bar_knows_a_workbooks_rows_to_come_too(tmp_path, advisor, site):
    from openpyxl import Workbook

    workbook = Workbook()
    for cells in [HEADER] + [row(n, site) for n in range(345)]:
        workbook.active.append(cells)
    workbook.save(tmp_path / "a.xlsx")
    bars = []

    def progress(**kwargs):
        bars.append(Bar(**kwargs))
        return bars[-1]

    report = run_import(format_name="xlsx", path=tmp_path / "a.xlsx", dry_run=False, progress=progress)
    (bar,) = bars
    assert report.created == bar.total == bar.done == 345 and bar.closed


def test_an_error_of_the_writing_thread_stops_the_import_and_leaves_nothing_of_the_file(
    tmp_path, advisor, site, monkeypatch
):
    """The rows are written by a thread beside the one reading the file (cnum.core.bulk.background_writes): a write
    failing there, here on an id already taken in the third batch, is raised by the import, and nothing of the
    file stays, the first two batches included."""
    taken = ActivityFactory(advisor=advisor)
    counts = (Activity.objects.count(), Beneficiary.objects.count(), Accompaniment.objects.count())
    reserve, batches = bulk.IdDraws.reserve, []

    def reserve_ids(self, model, count):
        ids = reserve(self, model, count)
        if model is Activity:
            batches.append(ids)
            if len(batches) == 3:
                ids[-1] = taken.pk
        return ids

    monkeypatch.setattr(bulk.IdDraws, "reserve", reserve_ids)
    path = write_csv(tmp_path / "a.csv", [row(n, site, collective=n % 3 == 0) for n in range(1, 2001)])
    with pytest.raises(IntegrityError):
        run_import(format_name="cnum-csv", path=path, dry_run=False, batch_size=500)
    assert len(batches) >= 3  # the ids of the next batch may be drawn while the third is written
    assert (Activity.objects.count(), Beneficiary.objects.count(), Accompaniment.objects.count()) == counts
