"""The rows of a workbook's first worksheet (XLSX), streamed in bounded memory as the text a CSV would hold.

The workbook's parts (its manifest, shared strings, date styles) are read by openpyxl's `ExcelReader`. Its sheet is
read row by row to its end, whatever size it declares, in one of two ways that give the same text:

- a row written as spreadsheet tools write nearly all of theirs (cells of text, shared text, numbers, dates,
  booleans, formulas' results, attributes in the schema's order, double quotes, no entity) is read by a strict
  pattern over its bytes (`FAST_CELL`): it must describe the row whole, or the row is not read by it;
- any other row is read by openpyxl's parser of a row (`SheetParser.parse_row`), and anything between rows that is
  not a row (a comment, a tag of another namespace, the end of the sheet's data, damaged XML) hands the rest of the
  sheet to openpyxl's parser of a sheet (`parsed_rows`), which reads it or refuses it as before.

The pattern reads a million rows of the bench's workbook some four times faster than the parser (its 7 million XML
events iterated in Python); `tests/activities/test_reading.py` compares both ways, and openpyxl's own reader, on
sheets written in every way the pattern accepts and in many it must leave to the parser.
"""

import datetime
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from string import digits as DIGITS
from xml.etree import ElementTree

from django.conf import settings
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import DATA_TAG, INLINE_STRING, ROW_TAG, WorkSheetParser, _cast_number
from openpyxl.xml.constants import SHEET_MAIN_NS

from cnum.sites.importers.files import UnreadableFile

#: The bytes of a worksheet's XML read to estimate its rows (`workbook_rows`).
ROWS_SAMPLE = 1 << 20
ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")

#: The bytes of the sheet's XML read at a time, and the most a row read by the pattern may take.
CHUNK = 1 << 20
LONGEST_ROW = 16 << 20

#: What precedes the sheet's rows, when the pattern may read them: the XML declared in UTF-8 (or undeclared), the
#: root element unprefixed in SpreadsheetML's namespace, no document type, comment or CDATA section before the rows.
HEAD = re.compile(
    rb"\A(?:\xef\xbb\xbf)?[ \t\r\n]*(?:<\?xml(?P<declaration>[^?>]*)\?>[ \t\r\n]*)?"
    rb"(?P<root><worksheet(?P<attributes>(?:[ \t\r\n][^<>]*)?)>)(?P<before>.*?)<sheetData[ \t\r\n]*>",
    re.S,
)
DECLARED_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
DEFAULT_NAMESPACE = re.compile(rb'\sxmlns="' + re.escape(SHEET_MAIN_NS.encode()) + rb'"')
#: A row's start tag, its attributes double-quoted and without entity; its cells run to the first "</row>" (a row
#: that is not XML on its own once cut there is left to openpyxl's parser of a sheet).
ROW_START_TAG = re.compile(rb'[ \t\r\n]*<row((?:[ \t\r\n]+[\w:.-]+="[^"<>&\x00-\x1f]*")*)[ \t\r\n]*(/?)>')
ROW_END_TAG = b"</row>"
ROW_NUMBER = re.compile(rb'[ \t\r\n]r="([1-9][0-9]*)"')
ROW_ATTRIBUTE_R = re.compile(rb"[ \t\r\n]r=")
#: A cell as spreadsheet tools write nearly all of theirs: its reference, then its style and type if any; a formula
#: (left out: its cached value is read, as openpyxl reads it with `data_only`), then an inline string of one text, or
#: a value, or nothing. A row's cells are read by it when its matches cover them end to end.
FAST_CELL = re.compile(
    r'(<c r="([A-Z]{1,3})[1-9][0-9]*"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    r"(?: ?/>|>(?:<f(?: [^<>]*)?(?:/>|>[^<]*</f>))?"
    r'(?:<v>([^<]*)</v>|<v ?/>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>))'
)
#: Bytes XML would turn into other text (an entity, a carriage return) or refuse (a control character); "]]>" and
#: U+FFFE, U+FFFF, which it refuses too, are looked for apart. A row holding one is read by openpyxl's parser.
NOT_AS_IS = bytes([*range(9), 11, 12, *range(14, 32), ord("&"), ord("\r")])
NOT_CHARACTERS = b"\xef\xbf"  # the start of U+FFFE, U+FFFF (and of other characters XML allows)


def cell_text(value) -> str:
    """A cell's value as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        # A spreadsheet's date cell is a datetime at midnight: it reads as the date it shows. (`not value.time()`
        # never held: a time, midnight included, is always true since Python 3.5.)
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_expansion(path: Path) -> None:
    """Refuse a workbook whose compressed parts would expand beyond CNUM_IMPORT_MAX_XLSX_EXPANDED_MB (openpyxl
    holds the shared strings in memory: a small "zip bomb" would exhaust it), read from the zip's directory only."""
    limit = settings.CNUM_IMPORT_MAX_XLSX_EXPANDED_MB * 1024 * 1024
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise UnreadableFile(f"Classeur XLSX illisible : {error}.") from None
    if expanded > limit:
        raise UnreadableFile(
            f"Classeur XLSX refusé : une fois décompressé, il occuperait {expanded // (1024 * 1024)} Mo, au-delà de "
            f"la limite de {settings.CNUM_IMPORT_MAX_XLSX_EXPANDED_MB} Mo. Enregistrez-le en CSV ou découpez-le."
        )


def workbook_rows(path: Path) -> int | None:
    """The data rows of a workbook's first worksheet: counted when its XML is at most ROWS_SAMPLE bytes, else
    estimated from its size expanded (the archive's directory says it) and the bytes its first rows take. Not the
    size the sheet declares, which may be wrong. None when the workbook cannot be read."""
    try:
        reader, target = first_worksheet(path, values=False)
    except UnreadableFile:
        return None
    try:
        size = reader.archive.getinfo(target).file_size
        with reader.archive.open(target) as source:
            head = source.read(ROWS_SAMPLE)
    except Exception:  # a damaged archive: the import says why when it reads it
        return None
    finally:
        reader.archive.close()
    starts = [match.start() for match in ROW_START.finditer(head)]
    if len(head) >= size:
        return max(len(starts) - 1, 0)
    if len(starts) < 2:  # rows longer than the sample: nothing to estimate them by
        return None
    per_row = (starts[-1] - starts[0]) / (len(starts) - 1)
    return max(round((size - starts[0]) / per_row) - 1, 0)


def iter_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells as text) of the first worksheet, the header first; empty rows skipped; at most
    CNUM_IMPORT_MAX_COLUMNS columns are read. Whatever size the sheet declares: its rows are read to its end."""
    check_expansion(path)
    reader, target = first_worksheet(path)
    parser = None
    try:
        with reader.archive.open(target) as source:
            parser = SheetParser.of(reader, source)
            yield from sheet_rows(source, parser)
    except UnreadableFile:
        raise
    except ElementTree.ParseError as error:
        # expat's reason without its place in the XML (a byte's column on a line of megabytes): the last row read
        reason = str(error).split(": line ")[0]
        after = f", après sa ligne {parser.row_counter}" if parser is not None and parser.row_counter else ""
        message = f"Classeur XLSX illisible : sa feuille n'est pas un XML valide ({reason}){after}."
        raise UnreadableFile(message) from None
    except Exception as error:  # a damaged part: compressed data, a cell openpyxl cannot read
        raise UnreadableFile(f"Classeur XLSX illisible : {error}.") from None
    finally:
        reader.archive.close()


def first_worksheet(path: Path, *, values: bool = True):
    """openpyxl's reader of the workbook's parts (with `values`, what the cells' values need: shared strings, date
    styles) and the path of its first worksheet inside the archive. Not `load_workbook`: its read-only mode reads
    every sheet whole once when it opens, looking for the size a sheet declares (28 s of a million rows when none
    is declared), and then trusts that size, so that a sheet declaring "A1" — some tools write it — would be read
    as its header alone."""
    reader = None
    try:
        reader = ExcelReader(path, read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_workbook()
        if values:
            reader.read_strings()
            apply_stylesheet(reader.archive, reader.wb)
        targets = [
            relation.target
            for _sheet, relation in reader.parser.find_sheets()
            if relation.target in reader.valid_files and "chartsheet" not in relation.Type
        ]
    except Exception as error:  # openpyxl raises many kinds for a file that is not an XLSX workbook
        if reader is not None:
            reader.archive.close()
        raise UnreadableFile(f"Classeur XLSX illisible : {error}.") from None
    if not targets:  # a chartsheet only, or the sheet's part lost from the archive
        reader.archive.close()
        raise UnreadableFile(
            "Classeur XLSX illisible : il ne contient aucune feuille de calcul lisible (les lignes sont lues "
            "dans la première feuille, sous une ligne d'en-tête)."
        )
    return reader, targets[0]


def sheet_rows(source, parser: "SheetParser") -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows as text: those the pattern describes read by it, the others by openpyxl's parser (module
    docstring). `source` is the sheet's XML, a binary stream."""
    buffer = source.read(CHUNK)
    while b"sheetData" not in buffer and len(buffer) < LONGEST_ROW and (more := source.read(CHUNK)):
        buffer += more
    head = HEAD.match(buffer)
    if head is None or not _fast_head(head):
        yield from parsed_rows(_Joined(buffer, source), parser)
        return
    before, root, position, ended = buffer[: head.end()], head["root"], head.end(), False
    limit = settings.CNUM_IMPORT_MAX_COLUMNS
    while True:
        start = ROW_START_TAG.match(buffer, position)
        end = -1 if start is None else start.end() if start[2] else buffer.find(ROW_END_TAG, start.end())
        if end < 0:
            if ended or len(buffer) - position >= LONGEST_ROW or not _at_row(buffer, position):
                break  # not a row (the end of the sheet's data, a comment, damaged XML): openpyxl's parser reads on
            more = source.read(CHUNK)
            buffer, position, ended = buffer[position:] + more, 0, not more
            continue
        attributes, read = start[1], None
        number = ROW_NUMBER.search(attributes)
        if number is not None:
            number, read = int(number[1]), _fast_cells(buffer[start.end() : end], parser, limit)
        elif ROW_ATTRIBUTE_R.search(attributes) is None:
            number, read = parser.row_counter + 1, _fast_cells(buffer[start.end() : end], parser, limit)
        # else a row number written otherwise ("2.0"): openpyxl reads it
        if not start[2]:
            end += len(ROW_END_TAG)
        if read is None:
            try:
                number, read = parsed_row(parser, root, buffer[start.start() : end])
            except ElementTree.ParseError:
                break  # the row is not XML on its own (a comment holding "</row>", damaged): the parser reads on
        parser.row_counter, position = number, end
        if "".join(read).strip():
            yield number, read
    yield from parsed_rows(_Joined(before, buffer[position:], source), parser)


def _fast_head(head: re.Match) -> bool:
    encoding = DECLARED_ENCODING.search(head["declaration"] or b"")
    return (
        (encoding is None or encoding[1].lower() in (b"utf-8", b"utf8"))
        and DEFAULT_NAMESPACE.search(head["attributes"]) is not None
        and b"<!" not in head["before"]  # a comment or CDATA section before the rows: openpyxl's parser reads it
    )


def _at_row(buffer: bytes, position: int) -> bool:
    """Whether the next tag after `position` (and XML white space) is a row's, or may be once more is read."""
    while position < len(buffer) and buffer[position] in b" \t\r\n":
        position += 1
    return b"<row".startswith(buffer[position : position + 4])


def shared_string(strings: list, index: str) -> str:
    """The workbook's shared string numbered `index`; IndexError when it has none of that number (a negative one
    included, which a list would read from its end)."""
    number = int(index)
    if number < 0:
        raise IndexError(number)
    return strings[number]


#: Column letters → their number, filled as met.
_COLUMNS: dict[str, int] = {}


def _fast_cells(cells: bytes, parser: "SheetParser", limit: int) -> list[str] | None:
    """A row's cells as text when the pattern describes them whole, else None (openpyxl's parser reads the row)."""
    if len(cells.translate(None, NOT_AS_IS)) != len(cells) or b"]]>" in cells:
        return None
    if NOT_CHARACTERS in cells and (b"\xef\xbf\xbe" in cells or b"\xef\xbf\xbf" in cells):
        return None
    try:
        text = cells.decode()
    except UnicodeDecodeError:
        return None
    row, covered = [], 0
    for whole, letters, style, kind, value, inline in FAST_CELL.findall(text):
        covered += len(whole)
        column = _COLUMNS.get(letters) or _COLUMNS.setdefault(letters, column_index_from_string(letters))
        if kind == "inlineStr":
            content = inline
        elif not value:  # a cell without value, of any type, is read as None: empty
            content = ""
        elif kind == "s":
            try:
                content = shared_string(parser.shared_strings, value)
            except (IndexError, ValueError):  # refused by the parser, with the cell
                return None
        elif kind == "n" or not kind:
            try:
                number = _cast_number(value)
                if style and int(style) in parser.date_formats:
                    number = from_excel(number, parser.epoch, timedelta=int(style) in parser.timedelta_formats)
            except (ValueError, OverflowError):  # the parser refuses it, or warns of a date out of bounds
                return None
            content = cell_text(number)
        elif kind == "str" or kind == "e":  # a formula's text, an error ("#N/A"): as written
            content = value
        elif kind == "b" or kind == "d":
            try:
                content = cell_text(bool(int(value)) if kind == "b" else from_ISO8601(value))
            except (ValueError, OverflowError):  # refused by the parser, with its reason
                return None
        else:  # a type openpyxl does not know: read by its parser
            return None
        if column == len(row) + 1:
            row.append(content)
        elif column > len(row):
            row += [""] * (column - len(row) - 1)
            row.append(content)
        else:  # a column named again, or before the last: the last cell naming it wins, as with the parser
            row[column - 1] = content
    if covered != len(text):
        return None
    del row[limit:]
    return row


def parsed_row(parser: "SheetParser", root: bytes, row: bytes) -> tuple[int, list[str]]:
    """A row's number and cells as text, read by openpyxl's parser (the row inside the sheet's root element, for
    its namespaces)."""
    number, parsed = parser.parse_row(ElementTree.fromstring(root + row + b"</worksheet>")[0])
    parser.row_dimensions.clear()
    return number, _as_text(parsed)


def parsed_rows(source, parser: "SheetParser") -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows as text, read by openpyxl's parser of a sheet, each row's elements let go once read
    (iterparse keeps the tree it builds: a million emptied rows would hold ≈ 70 MiB)."""
    rows = None
    for event, element in ElementTree.iterparse(source, events=("start", "end")):
        tag = element.tag
        if tag != ROW_TAG or event == "start":
            if tag == DATA_TAG and event == "start":
                rows = element
            continue
        number, parsed = parser.parse_row(element)
        element.clear()
        parser.row_dimensions.clear()  # a row's height or style, kept by openpyxl for each row that has one
        if rows is not None and len(rows) and rows[0] is element:
            del rows[0]
        cells = _as_text(parsed)
        if "".join(cells).strip():
            yield number, cells


def _as_text(parsed: list[dict]) -> list[str]:
    width = min(max((cell["column"] for cell in parsed), default=0), settings.CNUM_IMPORT_MAX_COLUMNS)
    cells = [""] * width
    for cell in parsed:
        if cell["column"] <= width:
            cells[cell["column"] - 1] = cell_text(cell["value"])
    return cells


class _Joined:
    """Bytes, then the rest of a binary stream, read as one stream."""

    def __init__(self, *parts):
        *self.parts, self.source = parts

    def read(self, size: int = -1) -> bytes:
        while self.parts:
            part = self.parts.pop(0)
            if part:
                return part
        return self.source.read(size)


TEXT_TAG, RUN_TAG, VALUE_TAG = (f"{{{SHEET_MAIN_NS}}}{name}" for name in ("t", "r", "v"))


class SheetParser(WorkSheetParser):
    """openpyxl's parser of a worksheet; its text cells read as openpyxl reads them (the text of an inline string
    and of its runs, phonetic hints left out; a shared string by its index) without building openpyxl's rich-text
    objects for each (half the time of parsing a sheet)."""

    @classmethod
    def of(cls, reader, source):
        workbook = reader.wb
        return cls(
            source,
            reader.shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )

    def parse_cell(self, element):
        kind = element.get("t")
        if kind != "inlineStr" and kind != "s":
            return super().parse_cell(element)
        coordinate = element.get("r")
        column = column_index_from_string(coordinate.rstrip(DIGITS)) if coordinate else self.col_counter + 1
        self.col_counter = column
        if kind == "s":
            index = element.findtext(VALUE_TAG)
            try:
                return {"column": column, "value": shared_string(self.shared_strings, index) if index else None}
            except (IndexError, ValueError):
                raise UnreadableFile(
                    f"Classeur XLSX illisible : la cellule {coordinate or column} renvoie au texte partagé "
                    f"n° {index}, absent du classeur."
                ) from None
        inline = element.find(INLINE_STRING)
        if inline is None:
            return {"column": column, "value": None}
        parts = []
        for child in inline:
            if child.tag == TEXT_TAG:
                parts.append(child.text or "")
            elif child.tag == RUN_TAG:
                parts.append(child.findtext(TEXT_TAG) or "")
        return {"column": column, "value": "".join(parts)}
