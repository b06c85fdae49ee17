"""Stream the rows of the files activity importers receive, one at a time, in bounded memory.

CSV: UTF-8 (with or without BOM) or Windows-1252, detected by decoding the file incrementally once; delimiter
sniffed from the header line (cnum.sites.importers.files); read with csv.reader, never whole. XLSX: the first
worksheet, a row at a time, cells turned into the text a CSV would hold (cnum.activities.importers.workbook).
"""

import codecs
import csv
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
    """The data rows of a CSV file as its line breaks count them (a break inside a quoted cell counts one too many),
    read in one fast pass over the bytes; of a workbook, `workbook_rows`' estimate. The total of the progress bar
    (and the size by which a load is judged a history's); None for an unreadable file."""
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        from cnum.activities.importers.workbook import workbook_rows  # openpyxl: imported by XLSX imports only

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
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from cnum.activities.importers.workbook import iter_xlsx  # openpyxl: imported by XLSX imports only

        return within_row_limit(iter_xlsx(path))
    return within_row_limit(iter_csv(path))


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
