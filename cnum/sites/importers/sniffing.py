"""Reading a third-party CSV file whose shape is not known in advance: its encoding, separator and line endings are
detected, and said (never guessed silently): UTF-8 with or without BOM, else Windows-1252, else Latin-1."""

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from cnum.sites.importers.files import UnreadableFile

DELIMITERS = {";": "point-virgule (;)", ",": "virgule (,)", "\t": "tabulation"}


@dataclass
class SniffedFile:
    encoding: str  # as shown to people: "UTF-8", "UTF-8 avec BOM", "Windows-1252", "Latin-1 (ISO-8859-1)"
    delimiter: str
    line_ending: str  # "CRLF" or "LF"
    header: list[str]
    rows: list[tuple[int, list[str] | str]] = field(default_factory=list)  # (file line, cells or a French reason)

    @property
    def delimiter_label(self) -> str:
        return DELIMITERS[self.delimiter]

    def description(self) -> str:
        return (
            f"Encodage détecté : {self.encoding} ; séparateur : {self.delimiter_label} ; "
            f"fins de ligne : {self.line_ending} ; {len(self.header)} colonnes."
        )


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding label). Strict UTF-8 first: a Windows-1252 file with accents is never valid UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "UTF-8 avec BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1 (ISO-8859-1)"


def detect_delimiter(text: str) -> str:
    """The separator of the header line, by counting; csv.Sniffer decides when the count does not."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] and ranked[0] != ranked[1]:
        return max(counts, key=counts.get)
    try:
        return csv.Sniffer().sniff(text[:20_000], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def sniff(path: Path) -> SniffedFile:
    """The whole file read: header and rows, with their file line numbers (header = line 1)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UnreadableFile(f"Fichier illisible : {error.strerror or error}.") from None
    text, encoding = decode(data)
    text = text.replace("\x00", "")  # NUL means nothing in a CSV, and PostgreSQL refuses it in text
    if not text.strip():
        raise UnreadableFile("Fichier vide.")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as error:  # a header cell longer than the csv module's limit, say
        raise UnreadableFile(f"En-tête CSV mal formé : {error}.") from None
    if len(header) < 2:
        raise UnreadableFile(
            "Une seule colonne trouvée : séparateur non reconnu (virgule, point-virgule ou tabulation)."
        )
    sniffed = SniffedFile(encoding, delimiter, "CRLF" if "\r\n" in text else "LF", header)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return sniffed
        except csv.Error as error:
            sniffed.rows.append((line, f"Ligne CSV mal formée : {error}."))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            sniffed.rows.append(
                (line, f"{len(cells)} cellules pour {len(header)} colonnes (séparateur non protégé ?).")
            )
            continue
        sniffed.rows.append((line, [*cells, *[""] * (len(header) - len(cells))]))
