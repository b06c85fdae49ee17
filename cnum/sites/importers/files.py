"""Reading the files importers receive, liberally: UTF-8 with or without BOM, or Windows-1252; CSV delimited by commas,
semicolons, tabs or pipes; headers in any case, with accents or spaces."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from cnum.core import jsontext

DELIMITERS = (",", ";", "\t", "|")


class UnreadableFile(Exception):
    """The whole file cannot be read (encoding, shape, missing columns); the message is in French."""


def read_text(path: Path) -> str:
    """The file's text, without NUL characters: they mean nothing in a CSV, and PostgreSQL refuses them in text."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableFile(f"Fichier illisible : {error.strerror or error}.") from None
    try:
        return data.decode("utf-8-sig").replace("\x00", "")
    except UnicodeDecodeError:
        # Spreadsheets on Windows save CSV in Windows-1252; every byte decodes in Latin-1 as a last resort.
        try:
            return data.decode("cp1252").replace("\x00", "")
        except UnicodeDecodeError:
            return data.decode("latin-1").replace("\x00", "")


def header_key(name: str) -> str:
    """ "Code postal", "CODE_POSTAL" and "code-postal" all give "code_postal"."""
    text = unicodedata.normalize("NFKD", name.strip().strip('"').lstrip("\ufeff"))
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def read_csv(path: Path, *, required: tuple[str, ...], aliases: dict[str, str] | None = None) -> Iterator:
    """Yield (line, row) with row a dict keyed by normalized header, or (line, reason) for a malformed row.

    `line` is the file line where the row starts (header = line 1), multi-line cells included.
    """
    text = read_text(path)
    if not text.strip():
        raise UnreadableFile("Fichier vide.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        names = next(reader)
    except csv.Error as error:  # a header cell longer than the csv module's limit, say
        raise UnreadableFile(f"En-tête CSV mal formé : {error}.") from None
    header = [(aliases or {}).get(header_key(name), header_key(name)) for name in names]
    missing = [name for name in required if name not in header]
    if missing:
        raise UnreadableFile(f"Colonne(s) obligatoire(s) absente(s) de l'en-tête : {', '.join(missing)}.")
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, f"Ligne CSV mal formée : {error}."
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield line, f"{len(cells)} cellules pour {len(header)} colonnes (séparateur sans guillemets ?)."
            continue
        yield line, dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=True))


def read_json_records(path: Path) -> list:
    """The records of a JSON export: a list of objects, or an object holding one such list."""
    try:
        data = jsontext.parse(read_text(path))
    except jsontext.UnreadableJson as error:
        raise UnreadableFile(str(error)) from None
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(lists) == 1:
            data = lists[0]
    if not isinstance(data, list):
        raise UnreadableFile("JSON inattendu : une liste de lieux est attendue.")
    try:
        return _without_nul(data)
    except RecursionError:  # the walk goes as deep as the lists and objects nest
        raise UnreadableFile(jsontext.TOO_DEEP) from None


def _without_nul(value):
    """JSON strings may hold NUL (\\u0000), which PostgreSQL refuses in text: dropped, as in CSV files."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value
