"""Stream the rows of the files activity importers receive, one at a time, in bounded memory.

CSV: UTF-8 (with or without BOM) or Windows-1252, detected by decoding the file incrementally once; delimiter
sniffed from the header line (cnum.sites.importers.files); read with csv.reader, never whole. XLSX: the first sheet
through openpyxl's read-only mode (iter_rows), cells turned into the text a CSV would hold.
"""

import codecs
import csv
import datetime
import zipfile
from collections.abc import Iterator
from pathlib import Path

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
    """The data rows of a CSV file as its line breaks count them (a break inside a quoted cell counts one too many):
    the total of the progress bar, read in one fast pass over the bytes. None for a workbook or an unreadable file."""
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return None
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


def iter_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells as text) of the first sheet, the header first; empty rows skipped; at most
    CNUM_IMPORT_MAX_COLUMNS columns are read, whatever dimension the sheet declares."""
    from openpyxl import load_workbook  # imported here: only XLSX imports pay for it

    check_xlsx_expansion(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not an XLSX workbook
        raise UnreadableFile(f"Classeur XLSX illisible : {error}.") from None
    try:
        if not workbook.worksheets:  # a chartsheet only, or the sheet's part lost from the archive
            raise UnreadableFile(
                "Classeur XLSX illisible : il ne contient aucune feuille de calcul lisible (les lignes sont lues "
                "dans la première feuille, sous une ligne d'en-tête)."
            )
        rows = workbook.worksheets[0].iter_rows(values_only=True, max_col=settings.CNUM_IMPORT_MAX_COLUMNS)
        for number, values in enumerate(rows, start=1):
            cells = [_text(value) for value in values]
            if any(cell.strip() for cell in cells):
                yield number, cells
    finally:
        workbook.close()


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
