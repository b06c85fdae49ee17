"""Stream the rows of the files activity importers receive, one at a time, in bounded memory.

CSV: UTF-8 (with or without BOM) or Windows-1252, detected by decoding the file incrementally once; delimiter
sniffed from the header line (cnum.sites.importers.files); read with csv.reader, never whole. XLSX: the first worksheet
through openpyxl's parser of a sheet, a row at a time, cells turned into the text a CSV would hold.
"""

import codecs
import csv
import datetime
import functools
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from string import digits as DIGITS
from xml.etree import ElementTree

from django.conf import settings

from cnum.sites.importers.files import DELIMITERS, UnreadableFile, header_key

CHUNK = 1 << 16


def detect_encoding(path: Path) -> str:
    """utf-8-sig when the whole file decodes as UTF-8, else cp1252 (as spreadsheets on Windows save CSV)."""
    return _scan(path)[0]


def _scan(path: Path) -> tuple[str, bool]:
    """The file's encoding (`detect_encoding`) and whether it holds a NUL byte, in one pass."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    nul = False
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                nul = nul or b"\x00" in chunk
                if decoder is not None:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        decoder = None  # cp1252; the rest is read for NUL bytes only
            if decoder is None:
                return "cp1252", nul
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252", nul
    except OSError as error:
        raise UnreadableFile(f"Fichier illisible : {error.strerror or error}.") from None
    return "utf-8-sig", nul


def estimated_rows(path: Path) -> int | None:
    """The data rows of a CSV file as its line breaks count them (a break inside a quoted cell counts one too many),
    read in one fast pass over the bytes; of a workbook, `workbook_rows`' estimate. The total of the progress bar
    (and the size by which a load is judged a history's); None for an unreadable file."""
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return workbook_rows(path)
    lines, last = 0, b""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK * 16):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None
    return max(lines + (last not in (b"", b"\n")) - 1, 0)


def _delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def iter_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, cells), the header first (line 1); blank lines skipped; a malformed line raises UnreadableFile."""
    encoding, nul = _scan(path)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        first = handle.readline()
        if not first.strip():
            raise UnreadableFile("Fichier vide : une ligne d'en-tête est attendue.")
        handle.seek(0)
        reader = csv.reader(handle, delimiter=_delimiter(first))
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise UnreadableFile(f"CSV mal formé à la ligne {line} : {error}.") from None
            if nul:
                cells = [cell.replace("\x00", "") for cell in cells]  # PostgreSQL refuses NUL in text
            if "".join(cells).strip():
                yield line, cells


def _text(value) -> str:
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


def check_xlsx_expansion(path: Path) -> None:
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


#: The bytes of a worksheet's XML read to estimate its rows (`workbook_rows`).
ROWS_SAMPLE = 1 << 20
ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def workbook_rows(path: Path) -> int | None:
    """The data rows of a workbook's first worksheet: counted when its XML is at most ROWS_SAMPLE bytes, else
    estimated from its size expanded (the archive's directory says it) and the bytes its first rows take. Not the
    size the sheet declares, which may be wrong. None when the workbook cannot be read."""
    try:
        reader, target = _first_worksheet(path, values=False)
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
    check_xlsx_expansion(path)
    reader, target = _first_worksheet(path)
    try:
        with reader.archive.open(target) as source:
            yield from _sheet_rows(source, _sheet_parser_class().of(reader, source))
    except UnreadableFile:
        raise
    except ElementTree.ParseError as error:
        raise UnreadableFile(f"Classeur XLSX illisible : sa feuille n'est pas un XML valide ({error}).") from None
    except Exception as error:  # a damaged part: compressed data, a cell openpyxl cannot read
        raise UnreadableFile(f"Classeur XLSX illisible : {error}.") from None
    finally:
        reader.archive.close()


def _first_worksheet(path: Path, *, values: bool = True):
    """openpyxl's reader of the workbook's parts (with `values`, what the cells' values need: shared strings, date
    styles) and the path of its first worksheet inside the archive. Not `load_workbook`: its read-only mode reads
    every sheet whole once when it opens, looking for the size a sheet declares (28 s of a million rows when none
    is declared), and then trusts that size, so that a sheet declaring "A1" — some tools write it — would be read
    as its header alone."""
    from openpyxl.reader.excel import ExcelReader  # imported here: only XLSX imports pay for it
    from openpyxl.styles.stylesheet import apply_stylesheet

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


def _sheet_rows(source, parser) -> Iterator[tuple[int, list[str]]]:
    """The sheet's rows as text, each row's elements let go once read (iterparse keeps the tree it builds: a
    million emptied rows would hold ≈ 70 MiB)."""
    from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG

    limit = settings.CNUM_IMPORT_MAX_COLUMNS
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
        width = min(max((cell["column"] for cell in parsed), default=0), limit)
        cells = [""] * width
        for cell in parsed:
            if cell["column"] <= width:
                cells[cell["column"] - 1] = _text(cell["value"])
        if any(cell.strip() for cell in cells):
            yield number, cells


@functools.cache
def _sheet_parser_class():
    """The class below, built on first use: openpyxl is imported only by XLSX imports."""
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag, run_tag, value_tag = (f"{{{SHEET_MAIN_NS}}}{name}" for name in ("t", "r", "v"))

    class SheetParser(WorkSheetParser):
        """openpyxl's parser of a worksheet; its text cells, nearly all of an import's, read as openpyxl reads them
        (the text of an inline string and of its runs, phonetic hints left out; a shared string by its index)
        without building openpyxl's rich-text objects for each (half the time of reading a sheet)."""

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
                index = element.findtext(value_tag)
                try:
                    return {"column": column, "value": self.shared_strings[int(index)] if index else None}
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
                if child.tag == text_tag:
                    parts.append(child.text or "")
                elif child.tag == run_tag:
                    parts.append(child.findtext(text_tag) or "")
            return {"column": column, "value": "".join(parts)}

    return SheetParser


def within_row_limit(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The rows, the file refused once it passes CNUM_IMPORT_MAX_ROWS rows besides its header."""
    limit = settings.CNUM_IMPORT_MAX_ROWS
    for count, row in enumerate(rows):
        if count > limit:
            raise UnreadableFile(
                f"Fichier trop long : plus de {limit:,} lignes".replace(",", "\u202f")
                + " (limite CNUM_IMPORT_MAX_ROWS). Découpez-le en plusieurs fichiers."
            )
        yield row


def iter_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    path = Path(path)
    rows = iter_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else iter_csv(path)
    return within_row_limit(rows)


def header_columns(header: list[str], aliases: dict[str, str]) -> dict[str, int]:
    """Canonical column → position (first occurrence), header names compared by header_key and aliases."""
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        canonical = aliases.get(header_key(name), header_key(name))
        columns.setdefault(canonical, position)
    return columns


def cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    """The stripped value of column `name` in a row, "" when the column is absent or the row is short."""
    position = columns.get(name)
    return cells[position].strip() if position is not None and position < len(cells) else ""
