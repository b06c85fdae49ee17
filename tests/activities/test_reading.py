"""The rows the activity importers read (cnum.activities.importers.reading), as the text a CSV would hold."""

import datetime
import io
import re
import zipfile
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter

from cnum.activities.importers import workbook
from cnum.activities.importers.reading import iter_rows
from cnum.activities.importers.workbook import cell_text, workbook_rows
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


@pytest.mark.parametrize("index", ["7", "-1"])
def test_a_cell_naming_a_shared_string_the_workbook_lacks_is_refused_with_its_reason(tmp_path, index):
    """Its one shared string is n° 0: n° -1 is not read from the end of the list."""
    row = f'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>{index}</v></c></row>'
    path = _sheet_file(tmp_path, f"{ROOT}<sheetData>{row}</sheetData></worksheet>", ["id"])
    reason = f"la cellule B1 renvoie au texte partagé n° {index}, absent du classeur"
    with pytest.raises(UnreadableFile, match=reason):
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
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 2 * workbook.ROWS_SAMPLE
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
    reader, target = workbook.first_worksheet(path)
    with reader.archive.open(target) as source:
        parser = workbook.SheetParser.of(reader, source)
        assert sum(1 for _row in workbook.parsed_rows(source, parser)) == 100
    reader.archive.close()
    assert parser.row_dimensions == {}


# The rows read by the pattern (cnum.activities.importers.workbook.FAST_CELL) against openpyxl's parser.

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROOT = f'<worksheet xmlns="{MAIN}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'


def _styled_workbook():
    """A workbook of openpyxl's whose styles hold a date, a date-time and a duration, and whose shared strings' part
    is present (the sheets below replace its sheet and its strings); its date and duration styles' numbers."""
    base = Workbook()
    base.active.append(["texte", datetime.date(2025, 3, 4), datetime.datetime(2025, 3, 4, 9), datetime.timedelta(1)])
    whole = io.BytesIO()
    base.save(whole)
    reader = ExcelReader(io.BytesIO(whole.getvalue()), read_only=True)
    reader.read_manifest()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    durations = reader.wb._timedelta_formats
    return whole.getvalue(), sorted(reader.wb._date_formats - durations), sorted(durations)


STYLED = _styled_workbook()


def _sheet_file(tmp_path, sheet: str, strings: list[str], name="motif.xlsx"):
    """STYLED's workbook with `sheet` as its sheet and `strings` as its shared strings (a part openpyxl's writer
    does not write: its strings are inline), declared in the package's manifest."""
    source, *_ = STYLED
    shared = "".join(f'<si><t xml:space="preserve">{escape(text)}</t></si>' for text in strings)
    with zipfile.ZipFile(io.BytesIO(source)) as base, zipfile.ZipFile(tmp_path / name, "w") as written:
        for member in base.namelist():
            content = sheet.encode() if member == "xl/worksheets/sheet1.xml" else base.read(member)
            if member == "[Content_Types].xml":
                content = content.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            written.writestr(member, content)
        written.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}" count="{len(strings)}">{shared}</sst>')
    return tmp_path / name


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def _read_both_ways(path):
    """The rows (or the refusal) as read by the module, and as read by openpyxl's parser of a sheet alone."""
    outcomes = []
    for rows in (workbook.sheet_rows, workbook.parsed_rows):
        with mock.patch.object(workbook, "sheet_rows", rows):
            try:
                outcomes.append(list(iter_rows(path)))
            except UnreadableFile as error:
                outcomes.append(str(error))
    return outcomes


TEXTS = st.lists(st.sampled_from([*"ab é<>&\"'\t\n]", "日", "\r", "\x01", "\ufffe", "]]>"]), max_size=6).map("".join)


def _escaped(text, how):
    if how == "raw":  # as is: '&' and '<' make the XML invalid, which both ways must refuse alike
        return text
    escaped = escape(text, {'"': "&quot;"})
    return escaped if how == "entities" else "".join(f"&#{ord(char)};" if char in "é日" else char for char in escaped)


@st.composite
def _cells(draw, strings):
    how = draw(st.sampled_from(["entities", "entities", "entities", "references", "raw"]))
    text = _escaped(draw(TEXTS), how)
    _source, dates, durations = STYLED
    style = draw(st.sampled_from(["", ' s="0"', f' s="{dates[0]}"', f' s="{dates[-1]}"', f' s="{durations[0]}"']))
    number = draw(
        st.one_of(
            st.integers(-(10**6), 10**7).map(str),
            st.floats(-1e6, 1e6, allow_nan=False).map(repr),
            st.sampled_from(["1E3", "45123.5", "2958466", "-1", "abc", " 42 ", ""]),
        )
    )
    forms = 8 * ['{ref} t="inlineStr"><is><t>{text}</t></is></c>', "{ref}{style}><v>{number}</v></c>"]
    forms += 4 * ['{ref}{style} t="s"><v>{index}</v></c>', '{ref} t="str"><v>{text}</v></c>']
    forms += [
        '{ref} t="inlineStr"><is><t>{text}</t></is></c>',
        '{ref} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>',
        '{ref} t="inlineStr"><is><r><t>{text}</t></r><r><rPr><b/></rPr><t>x</t></r></is></c>',
        '{ref} t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c>',
        '{ref} t="inlineStr"/>',
        '{ref} t="inlineStr" />',
        '{ref}{style} t="s"><v>{index}</v></c>',
        "{ref}{style}><v>{number}</v></c>",
        '{ref}{style} t="n"><v>{number}</v></c>',
        "{ref}{style}/>",
        "{ref}{style}></c>",
        '{ref} t="b"><v>{bit}</v></c>',
        '{ref} t="e"><v>#N/A</v></c>',
        '{ref} t="str"><v>{text}</v></c>',
        '{ref} t="str"><f>A1</f><v>{text}</v></c>',
        '{ref}><f t="shared" si="0"/><v>{number}</v></c>',
        '{ref} t="b"><f t="shared" ref="A1:A3" si="0">A1=1</f><v>{bit}</v></c>',
        "{ref}><f>1+1</f></c>",
        '{ref} t="d"><v>{iso}</v></c>',
        '{ref} cm="1"><v>{number}</v></c>',
        "{ref}><v/></c>",
    ]
    form = draw(st.sampled_from(forms))
    index = draw(st.integers(0, len(strings)))  # len(strings): a shared string the workbook lacks
    bit = draw(st.sampled_from(["0", "1", "2", "x"]))
    iso = draw(st.sampled_from(["2025-03-04", "2025-03-04T14:30:00", "14:30:00", "2025-13-01", "hier", ""]))
    return form.format(ref="{ref}", style=style, text=text, index=index, number=number, bit=bit, iso=iso)


@st.composite
def _sheets(draw):
    strings = draw(st.lists(TEXTS.filter(lambda text: not set(text) & set("\r\x01\ufffe")), max_size=4))
    rows, number = [], 0
    for _row in range(draw(st.integers(0, 6))):
        number += draw(st.integers(1, 3))
        cells, column = [], 0
        for cell in draw(st.lists(_cells(strings), max_size=5)):
            column = max(column + draw(st.sampled_from([1, 1, 1, 2, 30, -1])), 1)
            letters = get_column_letter(column)
            reference = draw(
                st.sampled_from(
                    [f'<c r="{letters}{number}"'] * 20
                    + ["<c", f"<c r='{letters}{number}'", f'<c  r="{letters}{number}"', f'<c r="{letters.lower()}1"']
                )
            )
            cells.append(cell.replace("{ref}", reference))
        between = draw(st.sampled_from(["", "", "", "\n  "]))
        attributes = draw(
            st.sampled_from(
                [f' r="{number}"'] * 12
                + [f' r="{number}" spans="1:5" x14ac:dyDescent="0.25"', f' r="{number}" ht="20" customHeight="1"', ""]
                + [f' r="{number}.0"', f" r='{number}'", f' r="{number}" x="a&amp;b"']
            )
        )
        body = between.join(cells)
        rows.append(f"<row{attributes}>{body}</row>" if body or draw(st.booleans()) else f"<row{attributes}/>")
        rows.append(draw(st.sampled_from(["", "\n"] * 8 + ["<!-- </row> -->", "<!-- entre deux lignes -->"])))
    declaration = draw(st.sampled_from(['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n', "", "\ufeff"]))
    before = draw(st.sampled_from(["", '<dimension ref="A1"/>'] * 4 + ["<!-- avant -->"]))
    after = draw(st.sampled_from(["", '<pageMargins left="0.7"/>'] * 4 + ["<mergeCells", "<sheetData>"]))
    sheet = f"{declaration}{ROOT}{before}<sheetData>{''.join(rows)}</sheetData>{after}</worksheet>"
    if draw(st.integers(0, 19)) == 0:  # the whole sheet in a prefixed namespace: no row is the pattern's
        sheet = re.sub(r"<(/?)(?!\?|!)", r"<\1x:", sheet).replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')
    return sheet, strings


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(_sheets(), st.sampled_from([1 << 20, 7, 64]))
def test_rows_read_by_the_pattern_are_read_as_openpyxls_parser_reads_them(tmp_path, sheet_and_strings, chunk):
    """Whatever a sheet holds — text with entities, references or characters XML refuses, shared strings present or
    not, numbers, dates, durations, booleans, errors, formulas, cells without reference or in another order, rows
    without number, comments, damage, another namespace — and wherever its chunks are cut: the rows and refusals
    of the module are those of openpyxl's parser of a sheet (itself compared with openpyxl's reader above)."""
    sheet, strings = sheet_and_strings
    path = _sheet_file(tmp_path, sheet, strings)
    with mock.patch.object(workbook, "CHUNK", chunk):
        by_pattern, by_parser = _read_both_ways(path)
    assert by_pattern == by_parser


PLAIN_TEXTS = st.text(st.sampled_from([*" a\t\n'\"é", "日"]), max_size=6) | st.text(
    st.characters(codec="utf-8", exclude_characters="<>&\r", min_codepoint=32), max_size=8
)


@st.composite
def _plain_cells(draw, strings):
    """A cell of a form the pattern reads: text (spaces at its ends kept), a shared string, a number, a date, a
    date-time or a duration, a boolean, an ISO date, a formula's result, nothing."""
    _source, dates, durations = STYLED
    style = draw(st.sampled_from(["", ' s="0"', f' s="{dates[0]}"', f' s="{dates[-1]}"', f' s="{durations[0]}"']))
    number = draw(st.one_of(st.integers(0, 80_000).map(str), st.floats(0, 80_000).map(repr)))
    text = draw(PLAIN_TEXTS)
    return draw(
        st.sampled_from(
            [
                '{ref} t="inlineStr"><is><t>' + text + "</t></is></c>",
                '{ref} t="inlineStr"><is><t xml:space="preserve">' + text + "</t></is></c>",
                '{ref} t="str"><v>' + text + "</v></c>",
                "{ref}" + style + "><v>" + number + "</v></c>",
                "{ref}" + style + ' t="n"><v>' + number + "</v></c>",
                '{ref} t="s"><v>' + str(draw(st.integers(0, max(len(strings) - 1, 0)))) + "</v></c>",
                "{ref}" + style + "/>",
                '{ref} t="inlineStr" />',
                '{ref} t="b"><v>' + draw(st.sampled_from(["0", "1"])) + "</v></c>",
                '{ref} t="d"><v>' + draw(st.sampled_from(["2025-03-04", "2025-03-04T14:30:00", "14:30"])) + "</v></c>",
                '{ref}><f t="shared" si="0"/><v>' + number + "</v></c>",
            ]
        )
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_rows_of_the_patterns_forms_read_by_it_as_by_openpyxls_parser(tmp_path, data):
    """Rows of the forms the pattern reads, their columns in any order, with gaps, named twice, beyond the columns
    read: the same text as openpyxl's parser gives."""
    strings = data.draw(st.lists(PLAIN_TEXTS, min_size=1, max_size=4))
    rows = []
    for number in range(1, data.draw(st.integers(1, 5)) + 1):
        columns = data.draw(st.lists(st.integers(1, 8), max_size=6))
        cells = [
            data.draw(_plain_cells(strings)).replace("{ref}", f'<c r="{get_column_letter(c)}{number}"')
            for c in columns
        ]
        rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    path = _sheet_file(tmp_path, f"{ROOT}<sheetData>{''.join(rows)}</sheetData></worksheet>", strings)
    with override_settings(CNUM_IMPORT_MAX_COLUMNS=data.draw(st.sampled_from([256, 5]))):
        by_pattern, by_parser = _read_both_ways(path)
    assert by_pattern == by_parser


@pytest.mark.parametrize("text", ["a]]>b", "a\x01b", "a\ufffeb", "a\uffffb", "a\x0bb"])
def test_a_character_xml_refuses_is_refused_in_a_row_of_the_patterns_form_too(tmp_path, text):
    rows = f'<row r="1">{_inline("A1", "id")}</row><row r="2">{_inline("A2", text)}</row>'
    by_pattern, by_parser = _read_both_ways(_with_sheet(tmp_path, rows))
    assert by_pattern == by_parser
    assert by_pattern.startswith("Classeur XLSX illisible : sa feuille n'est pas un XML valide (not well-formed")


def _rows_parsed(path, chunk=1 << 20):
    """The rows read, and how many of them openpyxl's parser read."""
    parsed = []
    original = workbook.SheetParser.parse_row

    def parse_row(parser, element):
        parsed.append(element.get("r"))
        return original(parser, element)

    with mock.patch.object(workbook.SheetParser, "parse_row", parse_row), mock.patch.object(workbook, "CHUNK", chunk):
        return list(iter_rows(path)), parsed


def test_rows_as_spreadsheet_tools_write_them_are_read_by_the_pattern(tmp_path):
    """openpyxl's writers (shared strings, inline strings), numbers, dates, date-times, durations, booleans, a
    formula, an error, empty cells, columns left empty: no row goes through openpyxl's parser, the text is the
    same, at any chunk size."""
    from openpyxl import load_workbook

    cells = ["B1", datetime.date(2025, 3, 4), datetime.datetime(2025, 3, 4, 14, 30), 30, 2.5, None, "a b", ""]
    cells += [datetime.timedelta(hours=1), " espacé ", True, "=1+1", "#N/A"]
    rows = [["id", "date"], *([f"B{n}", *cells[1:]] for n in range(40))]
    shared = _workbook(tmp_path, *rows, name="partage.xlsx")
    streamed = Workbook(write_only=True)
    sheet = streamed.create_sheet()
    for row in rows:
        sheet.append(row)
    streamed.save(tmp_path / "flux.xlsx")
    expected = [
        [cell_text(cell.value) for cell in row] for row in load_workbook(shared, data_only=True).active.iter_rows()
    ]
    for path in (shared, tmp_path / "flux.xlsx"):
        for chunk in (1 << 20, 5, 100):
            read, parsed = _rows_parsed(path, chunk)
            assert parsed == [], (path.name, chunk)
            assert [line for line, _cells in read] == list(range(1, 42))
            padded = [cells + [""] * (len(row) - len(cells)) for (_n, cells), row in zip(read, expected, strict=True)]
            assert padded == expected


def test_a_row_the_pattern_does_not_describe_is_read_by_openpyxls_parser_and_the_next_by_the_pattern(tmp_path):
    two_lines = _inline("A4", "deux\r\nlignes")
    rows = [
        f'<row r="1">{_inline("A1", "id")}</row>',
        '<row r="2"><c r="A2" t="inlineStr"><is><r><t>ri</t></r><r><t>che</t></r></is></c><c t="b"><v>1</v></c></row>',
        f'<row r="3">{_inline("A3", "a &amp; b")}{_inline("B3", "&#233;t&#xE9;")}</row>',
        f'<row r="4">{two_lines}</row>',
        f'<row r="5">{_inline("A5", "x")}</row>',
        f'<!-- une remarque --><row r="7">{_inline("A7", "y")}</row>',
    ]
    read, parsed = _rows_parsed(_with_sheet(tmp_path, "".join(rows)))
    assert read == [(1, ["id"]), (2, ["riche", "True"]), (3, ["a & b", "été"]), (4, ["deux\nlignes"]), (5, ["x"])] + [
        (7, ["y"])
    ]
    # rich text and a cell without reference, entities, a line break XML changes: openpyxl's parser; after the
    # comment, the rest of the sheet
    assert parsed == ["2", "3", "4", "7"]


def test_damage_found_after_rows_read_by_the_pattern_is_refused_with_the_last_row_read(tmp_path):
    rows = "".join(f'<row r="{n}">{_inline(f"A{n}", "x")}</row>' for n in range(1, 4))
    path = _with_sheet(tmp_path, rows + '<row r="4"><c r="A4"><v>1</v></row>')
    with pytest.raises(UnreadableFile) as refused:
        list(iter_rows(path))
    assert str(refused.value) == (
        "Classeur XLSX illisible : sa feuille n'est pas un XML valide (mismatched tag), après sa ligne 3."
    )


@pytest.mark.parametrize("name", ["xlsxwriter-3.3.1.xlsx", "libreoffice-calc-7.4.xlsx"])
def test_workbooks_of_other_writers_are_read_by_the_pattern_alone(name):
    """Workbooks written by XlsxWriter and by LibreOffice Calc (tests/activities/data/README.md): every row read by
    the pattern, to the text openpyxl's parser gives, and openpyxl's full reader."""
    from openpyxl import load_workbook

    path = Path(__file__).parent / "data" / name
    read, parsed = _rows_parsed(path)
    assert parsed == []
    assert [read] == _read_both_ways(path)[1:]
    expected = [
        (row[0].row, [cell_text(cell.value) for cell in row])
        for row in load_workbook(path, data_only=True).active.iter_rows()
    ]
    assert [(line, cells + [""] * (len(expected[0][1]) - len(cells))) for line, cells in read] == expected
    assert read[0] == (1, ["id", "date", "type", "duree", "texte", "nombre", "quand", "vide", "riche"])
    assert len(read) == 201
