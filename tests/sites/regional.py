"""A "regional file" built from the real national files, dirty the way third-party lists are: `;` separators,
Windows-1252/Latin-1, CRLF, headers renamed to synonyms, postal and INSEE codes without their leading zero (rows of
départements 01-09), names damaged with U+FFFD, opening hours written in French."""

import csv
import io
import json
import re
from dataclasses import dataclass, field

from django.conf import settings

DATA = settings.REFERENCE_DIR / "mediation-numerique"
FRANCE_SERVICES = DATA / "france-services-2022-12-01.csv"
CNFS = DATA / "cnfs-permanences-2022-12.json"
HEADER = [
    "Identifiant",
    "Nom du lieu",
    "SIRET",
    "Adresse postale",
    "CP",
    "Code commune",
    "Ville",
    "Lat",
    "Lon",
    "Tél",
    "Courriel",
    "Site web",
    "Horaires",
    "Services",
    "Publics accueillis",
    "Remarque interne",
    "Dernière mise à jour",
]
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi")
DAMAGE = "\ufffd"
ACCENTED = re.compile(r"[éèêàâôîûçÉÈÊÀÂÔÎ]")


@dataclass
class Regional:
    rows: list[dict] = field(default_factory=list)  # the clean source rows, with "expected_insee" when known
    lines: list[list[str]] = field(default_factory=list)  # what the file holds

    def write(self, path, *, header=HEADER):
        """Latin-1 (Windows-1252) with `;` and CRLF; a damaged character is written as UTF-8 bytes of U+FFFD, as
        when a file already damaged is saved again."""
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(self.lines)
        text = buffer.getvalue()
        chunks = text.split(DAMAGE)
        data = b"\xef\xbf\xbd".join(chunk.encode("cp1252", errors="replace") for chunk in chunks)
        path.write_bytes(data)
        return path


def _damaged(text: str) -> str:
    return ACCENTED.sub(DAMAGE, text, count=1)


def _no_zero(code: str, spreadsheet: bool = False) -> str:
    if not code or not code.startswith("0"):
        return code
    return f"{int(code)}.0" if spreadsheet else str(int(code))


def _hours(record: dict) -> str:
    parts = []
    for day in DAYS:
        value = (record.get(f"h_{day}") or "").strip()
        if value and value != "-":
            spans = value.replace(":00", "h").replace(":", "h").replace(" - ", "-")
            parts.append(f"{day} {spans}")
    return " ; ".join(parts)


def france_services_rows(count: int) -> list[dict]:
    with FRANCE_SERVICES.open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if row["insee_dep"] in {f"0{n}" for n in range(1, 10)}]
    return [row for row in rows if row["adresse"].strip() and row["latitude"]][:count]


def cnfs_rows(count: int) -> list[dict]:
    records = json.loads(CNFS.read_text(encoding="utf-8"))
    chosen = [
        record
        for record in records
        if re.fullmatch(r"0[1-9]\d{3}", record.get("code_postal") or "") and record.get("adresse")
    ]
    return chosen[:count]


def regional_file(*, france_services=70, cnfs=30) -> Regional:
    regional = Regional()
    for number, record in enumerate(france_services_rows(france_services)):
        name, commune = record["lib_fs"], record["lib_com"]
        if number % 10 == 3 and ACCENTED.search(name):
            name = _damaged(name)
        if number % 10 == 5 and ACCENTED.search(commune):
            commune = _damaged(commune)
        regional.rows.append({**record, "expected_insee": record["insee_com"], "written_name": name})
        regional.lines.append(
            [
                f"fs-{record['id_fs']}",
                name,
                "",
                record["adresse"],
                _no_zero(record["code_postal"], spreadsheet=number % 7 == 0),
                _no_zero(record["insee_com"]),
                commune,
                record["latitude"],
                record["longitude"],
                record["telephone"],
                record["mail"],
                "",
                _hours(record),
                "Aide aux démarches administratives; accès à internet",
                "Tout public",
                "à revoir",
                "01/12/2022",
            ]
        )
    for record in cnfs_rows(cnfs):
        regional.rows.append({**record, "expected_insee": "", "written_name": record["nom"]})
        regional.lines.append(
            [
                f"cnfs-{record['id']}",
                record["nom"],
                record.get("pivot") or "",
                record["adresse"],
                _no_zero(record["code_postal"]),
                "",
                record["commune"],
                str(record.get("latitude") or ""),
                str(record.get("longitude") or ""),
                record.get("telephone") or "",
                record.get("courriel") or "",
                (record.get("site_web") or "").removeprefix("https://").removeprefix("http://"),
                record.get("horaires") or "",
                (record.get("services") or "").replace(";", "|"),
                "",
                "",
                record.get("date_maj") or "",
            ]
        )
    return regional
