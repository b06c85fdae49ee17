"""The rows the activity importers read (cnum.activities.importers.reading), as the text a CSV would hold."""

import datetime
import io
import zipfile

from openpyxl import Workbook

from cnum.activities.importers.reading import iter_rows
from cnum.core.imports import run_import


def _workbook(tmp_path, *rows, name="a.xlsx"):
    workbook = Workbook()
    for cells in rows:
        workbook.active.append(cells)
    workbook.save(tmp_path / name)
    return tmp_path / name


def test_date_cells_read_as_dates_and_times_are_kept_when_there_is_one(tmp_path):
    path = _workbook(
        tmp_path,
        ["date", "heure"],
        [datetime.date(2025, 3, 4), datetime.datetime(2025, 3, 4, 14, 30)],
        [datetime.datetime(2025, 3, 5), datetime.datetime(2025, 3, 5, 0, 0, 1)],
    )
    assert [cells[:2] for _line, cells in iter_rows(path)] == [
        ["date", "heure"],
        ["2025-03-04", "2025-03-04 14:30:00"],
        ["2025-03-05", "2025-03-05 00:00:01"],
    ]


def _without_its_sheet(tmp_path):
    """A workbook whose worksheet's part is lost from the archive (a byte flipped in the zip's directory renames
    it): openpyxl opens it with no worksheet at all."""
    whole = io.BytesIO()
    Workbook().save(whole)
    path = tmp_path / "sans-feuille.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as damaged:
        for name in source.namelist():
            damaged.writestr(name.replace("sheet1.xml", "sheet9.xml"), source.read(name))
    return path


def test_a_workbook_without_a_readable_worksheet_is_refused_with_its_reason(tmp_path, db):
    report = run_import(format_name="xlsx", path=_without_its_sheet(tmp_path), dry_run=False)
    assert report.fatal.startswith("Classeur XLSX illisible : il ne contient aucune feuille de calcul lisible")
    assert report.created == 0
