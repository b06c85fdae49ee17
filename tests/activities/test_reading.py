"""The rows the activity importers read (cnum.activities.importers.reading), as the text a CSV would hold."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook

from cnum.activities.importers import reading
from cnum.activities.importers.reading import iter_rows, workbook_rows
from cnum.core.imports import run_import
from cnum.sites.importers.files import UnreadableFile


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


def _with_sheet(tmp_path, sheet_data, dimension="", name="brut.xlsx"):
    """A workbook whose first worksheet is the XML given (its <sheetData> and an optional <dimension>), as other
    tools than openpyxl write them."""
    whole = io.BytesIO()
    Workbook().save(whole)
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(tmp_path / name, "w") as written:
        for member in source.namelist():
            content = sheet.encode() if member == "xl/worksheets/sheet1.xml" else source.read(member)
            written.writestr(member, content)
    return tmp_path / name


def _inline(reference, text):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_every_row_is_read_whatever_size_the_sheet_declares(tmp_path):
    rows = "".join(f'<row r="{n}">{_inline(f"A{n}", f"ligne {n}")}{_inline(f"B{n}", "x")}</row>' for n in range(1, 6))
    for declared in ('<dimension ref="A1"/>', '<dimension ref="A1:B2"/>', ""):
        path = _with_sheet(tmp_path, rows, declared)
        assert [line for line, _cells in iter_rows(path)] == [1, 2, 3, 4, 5], declared


def test_text_cells_read_as_openpyxl_reads_them(tmp_path):
    """Inline strings with rich-text runs and phonetic hints, cells without their reference, numbers, booleans and
    formulas' cached results: the text openpyxl's own reader gives for each (read whole, not in read-only mode)."""
    from openpyxl import load_workbook

    sheet_data = (
        '<row r="1">'
        '<c r="A1" t="inlineStr"><is><r><t>Bon</t></r><r><rPr><b/></rPr><t xml:space="preserve">jour </t></r>'
        '<rPh sb="0" eb="1"><t>ボ</t></rPh></is></c>'
        '<c r="B1" t="inlineStr"><is><t>&lt;Médiathèque &amp; co&gt;</t></is></c>'
        '<c r="D1" t="inlineStr"></c>'
        '<c r="E1" t="inlineStr"><is/></c>'
        "</row>"
        '<row r="3"><c t="inlineStr"><is><t>sans référence</t></is></c><c><v>42</v></c><c t="b"><v>1</v></c>'
        '<c t="str"><f>A1</f><v>calculé</v></c><c><v>2.5</v></c></row>'
    )
    path = _with_sheet(tmp_path, sheet_data)
    expected = [
        (row[0].row, [("" if value is None else str(value)) for value in (cell.value for cell in row)])
        for row in load_workbook(path, data_only=True).active.iter_rows()
        if any(cell.value is not None for cell in row)
    ]
    read = [(line, cells + [""] * (len(expected[0][1]) - len(cells))) for line, cells in iter_rows(path)]
    assert read == expected
    assert read[0][1][:2] == ["Bonjour ", "<Médiathèque & co>"]
    assert read[1] == (3, ["sans référence", "42", "True", "calculé", "2.5"])


def test_a_sheet_damaged_after_its_first_rows_is_refused_with_its_reason(tmp_path, db):
    names = ("id", "date", "type", "duree", "type_lieu", "lieu_id", "thematiques", "conseiller_email")
    header = "".join(_inline(f"{column}1", name) for column, name in zip("ABCDEFGH", names, strict=True))
    path = _with_sheet(tmp_path, f'<row r="1">{header}</row><row r="2"><c r="A2" t="inlineStr"><is><t>a</t></row>')
    report = run_import(format_name="xlsx", path=path, dry_run=False)
    assert report.fatal.startswith("Classeur XLSX illisible : sa feuille n'est pas un XML valide (mismatched tag")
    assert report.created == 0


def test_a_cell_naming_a_shared_string_the_workbook_lacks_is_refused_with_its_reason(tmp_path):
    path = _with_sheet(
        tmp_path, '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="s"><v>7</v></c></row>'
    )
    with pytest.raises(UnreadableFile, match="la cellule B1 renvoie au texte partagé n° 7, absent du classeur"):
        list(iter_rows(path))


def test_a_workbooks_rows_are_counted_for_the_progress_bar_whatever_size_it_declares(tmp_path):
    rows = "".join(f'<row r="{n}">{_inline(f"A{n}", f"ligne {n}")}</row>' for n in range(1, 52))
    assert workbook_rows(_with_sheet(tmp_path, rows, '<dimension ref="A1"/>')) == 50
    assert workbook_rows(_workbook(tmp_path, ["id"], name="vide.xlsx")) == 0


def test_a_large_workbooks_rows_are_estimated_from_its_first_rows(tmp_path, settings):
    """Beyond ROWS_SAMPLE bytes of XML, the rows are estimated from the sheet's size and its first rows' bytes."""
    cells = ["2025-03-04", "individuel", "30", "lieu_activite", "12", "email|bureautique", "a@exemple.fr", "femme"]
    path = _workbook(tmp_path, ["id", "date"], *([f"B{n}", *cells[: 3 + n % 6]] for n in range(20_000)))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 2 * reading.ROWS_SAMPLE
    assert abs(workbook_rows(path) - 20_000) < 20_000 * 0.02


def test_an_unreadable_workbooks_rows_are_unknown(tmp_path):
    (tmp_path / "faux.xlsx").write_bytes(b"PK\x03\x04 pas un classeur")
    assert workbook_rows(tmp_path / "faux.xlsx") is None
    assert workbook_rows(_without_its_sheet(tmp_path)) is None


def test_rows_with_a_height_of_their_own_are_not_kept_once_read(tmp_path):
    """openpyxl's parser keeps each row's own height or style (`row_dimensions`): a workbook whose every row has one
    would be held whole."""
    rows = "".join(f'<row r="{n}" ht="20" customHeight="1">{_inline(f"A{n}", "x")}</row>' for n in range(1, 101))
    path = _with_sheet(tmp_path, rows)
    reader, target = reading._first_worksheet(path)
    with reader.archive.open(target) as source:
        parser = reading._sheet_parser_class().of(reader, source)
        assert sum(1 for _row in reading._sheet_rows(source, parser)) == 100
    reader.archive.close()
    assert parser.row_dimensions == {}
