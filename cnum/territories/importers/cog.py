"""Read and load the Code officiel géographique (COG) files kept in reference/geo.

Source: INSEE, Code officiel géographique 2026, and the DGCL list of EPCI, as shaped by the npm package
@etalab/decoupage-administratif 6.0.0 (Licence Ouverte 2.0); reference/geo/README.md describes each file.

Reading checks every file before anything is written, so a broken file stops the load with a French message and
leaves the database as it was. Loading then brings each table in line with the files in a few bulk queries.
"""

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from cnum.core import audit
from cnum.territories.enums import CommuneKind, EpciKind, Zone
from cnum.territories.importers.bulk import BATCH_SIZE, NullProgress, SyncCounts, chunks, sync_rows
from cnum.territories.lookup import reset_index
from cnum.territories.models import Commune, Departement, Epci, PostalCode, Region

COG_YEAR = 2026
REGIONS_FILE = f"cog-{COG_YEAR}-regions.json"
DEPARTEMENTS_FILE = f"cog-{COG_YEAR}-departements.json"
COMMUNES_FILE = f"cog-{COG_YEAR}-communes.csv"
EPCI_FILE = f"epci-{COG_YEAR}.csv"
COG_FILES = (REGIONS_FILE, DEPARTEMENTS_FILE, COMMUNES_FILE, EPCI_FILE)

COMMUNE_COLUMNS = (
    "code_insee",
    "nom",
    "type",
    "departement",
    "region",
    "zone",
    "codes_postaux",
    "population",
    "siren",
    "commune_parente",
    "chef_lieu",
    "anciens_codes",
)
EPCI_COLUMNS = ("siren", "nom", "type", "population_totale", "communes_membres")
TERRITORY_KEYS = ("code", "nom", "zone")
# The DGCL files give the Métropole de Lyon its own nature, MET69; it is a métropole for cnum's purposes.
EPCI_KINDS = {
    "CC": EpciKind.CC,
    "CA": EpciKind.CA,
    "CU": EpciKind.CU,
    "METRO": EpciKind.METRO,
    "MET69": EpciKind.METRO,
}
COMMUNE_FIELDS = (
    "name",
    "departement_id",
    "region_id",
    "zone",
    "parent_id",
    "epci_id",
    "population",
    "siren",
    "former_codes",
)
INSEE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
POSTAL_CODE = re.compile(r"\d{5}")
SIREN = re.compile(r"\d{9}")
# Where the file names the current commune a commune belongs to.
PARENT_COLUMNS = {
    CommuneKind.MUNICIPAL_ARRONDISSEMENT: "commune_parente",
    CommuneKind.DELEGATED: "chef_lieu",
    CommuneKind.ASSOCIATED: "chef_lieu",
}
NAME_MAX_LENGTH = Commune._meta.get_field("name").max_length
MAX_ERRORS_SHOWN = 10
# Enum `.values` is rebuilt on each access: too slow for 37,590 rows.
COMMUNE_KINDS = frozenset(CommuneKind.values)
ZONES = frozenset(Zone.values)


class CogFileError(Exception):
    """The reference files are missing or inconsistent. The message is French, meant for the operator."""


@dataclass(frozen=True)
class CommuneRow:
    code: str
    kind: str
    name: str
    departement: str
    region: str
    zone: str
    population: int | None
    siren: str
    former_codes: str
    postal_codes: tuple[str, ...]
    parent_code: str  # the current commune a commune déléguée/associée or arrondissement belongs to; "" otherwise


@dataclass(frozen=True)
class CogData:
    regions: dict[tuple, dict]
    departements: dict[tuple, dict]
    epcis: dict[tuple, dict]
    communes: list[CommuneRow]
    epci_of_commune: dict[str, str]  # current commune code → EPCI SIREN


@dataclass(frozen=True)
class LoadReport:
    regions: SyncCounts
    departements: SyncCounts
    epcis: SyncCounts
    communes: SyncCounts
    postal_codes: SyncCounts

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: getattr(self, name).as_dict() for name in self.__dataclass_fields__}


class _Errors:
    """Collects the problems found in the files, to report them all at once."""

    def __init__(self):
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where} : {message}")

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        shown = self.messages[:MAX_ERRORS_SHOWN]
        more = len(self.messages) - len(shown)
        lines = [f"Fichiers du COG invalides, rien n'a été chargé ({len(self.messages)} erreur(s)) :", *shown]
        if more:
            lines.append(f"… et {more} autre(s) erreur(s).")
        raise CogFileError("\n".join(f"- {line}" if index else line for index, line in enumerate(lines)))


# --- reading ------------------------------------------------------------------------------------------------


def cog_read(*, directory: Path) -> CogData:
    """Read and check the four COG files of `directory`; raise CogFileError listing every problem found."""
    absent = [name for name in COG_FILES if not (directory / name).is_file()]
    if absent:
        raise CogFileError(f"Fichier(s) du COG introuvable(s) dans {directory} : {', '.join(absent)}.")
    errors = _Errors()
    regions = _read_regions(directory / REGIONS_FILE, errors)
    departements = _read_departements(directory / DEPARTEMENTS_FILE, errors, regions)
    communes = _read_communes(directory / COMMUNES_FILE, errors, departements, regions)
    epcis, epci_of_commune = _read_epcis(directory / EPCI_FILE, errors, communes)
    errors.raise_if_any()
    return CogData(
        regions=regions,
        departements=departements,
        epcis=epcis,
        communes=communes,
        epci_of_commune=epci_of_commune,
    )


def _open(path: Path):
    return path.open(encoding="utf-8-sig", newline="")


def _read_json_entries(path: Path, errors: _Errors) -> list[tuple[str, dict]]:
    try:
        with _open(path) as file:
            entries = json.load(file)
    except (ValueError, UnicodeDecodeError) as error:
        raise CogFileError(f"{path.name} n'est pas un fichier JSON UTF-8 lisible : {error}") from error
    if not isinstance(entries, list):
        raise CogFileError(f"{path.name} : une liste d'objets JSON est attendue.")
    checked = []
    for position, entry in enumerate(entries, start=1):
        where = f"{path.name}, entrée {position}"
        if not isinstance(entry, dict) or any(not entry.get(key) for key in TERRITORY_KEYS):
            errors.add(where, "les clés « code », « nom » et « zone » sont obligatoires.")
        elif entry["zone"] not in ZONES:
            errors.add(where, f"zone « {entry['zone']} » inconnue.")
        else:
            checked.append((where, entry))
    return checked


def _read_regions(path: Path, errors: _Errors) -> dict[tuple, dict]:
    regions = {}
    for where, entry in _read_json_entries(path, errors):
        if (entry["code"],) in regions:
            errors.add(where, f"région {entry['code']} en double.")
        regions[(entry["code"],)] = {
            "name": entry["nom"],
            "zone": entry["zone"],
            "chef_lieu_code": entry.get("chefLieu") or "",
        }
    return regions


def _read_departements(path: Path, errors: _Errors, regions: dict) -> dict[tuple, dict]:
    departements = {}
    for where, entry in _read_json_entries(path, errors):
        if (entry["code"],) in departements:
            errors.add(where, f"département {entry['code']} en double.")
        if (entry.get("region"),) not in regions:
            errors.add(where, f"région « {entry.get('region')} » inconnue pour le département {entry['code']}.")
        departements[(entry["code"],)] = {
            "name": entry["nom"],
            "region_id": entry.get("region"),
            "zone": entry["zone"],
            "chef_lieu_code": entry.get("chefLieu") or "",
        }
    return departements


def _read_csv(path: Path, columns: tuple[str, ...], errors: _Errors) -> list[tuple[str, dict]]:
    """The rows of a CSV file with their position ("fichier.csv, ligne 12"), without those of the wrong width."""
    rows = []
    try:
        with _open(path) as file:
            reader = csv.DictReader(file)
            absent = [column for column in columns if column not in (reader.fieldnames or ())]
            if absent:
                raise CogFileError(f"{path.name} : colonne(s) manquante(s) : {', '.join(absent)}.")
            for row in reader:
                where = f"{path.name}, ligne {reader.line_num}"
                if None in row or None in row.values():
                    errors.add(where, f"{len(reader.fieldnames)} colonnes attendues.")
                else:
                    rows.append((where, row))
    except (csv.Error, UnicodeDecodeError) as error:
        raise CogFileError(f"{path.name} n'est pas un fichier CSV UTF-8 lisible : {error}") from error
    return rows


def _parse_count(value: str | None, where: str, column: str, errors: _Errors) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        errors.add(where, f"« {column} » doit être un nombre entier positif, pas « {value} ».")
        return None
    return int(value)


def _split_codes(value: str | None) -> tuple[str, ...]:
    return tuple(code.strip() for code in (value or "").split("|") if code.strip())


def _read_communes(path: Path, errors: _Errors, departements: dict, regions: dict) -> list[CommuneRow]:
    communes, seen = [], set()
    for where, row in _read_csv(path, COMMUNE_COLUMNS, errors):
        commune = _commune_row(row, where, errors)
        if commune is None:
            continue
        if (commune.code, commune.kind) in seen:
            errors.add(where, f"commune {commune.code} ({commune.kind}) en double.")
        seen.add((commune.code, commune.kind))
        if (commune.departement,) not in departements:
            errors.add(where, f"département « {commune.departement} » inconnu.")
        if (commune.region,) not in regions:
            errors.add(where, f"région « {commune.region} » inconnue.")
        communes.append(commune)
    current_codes = {commune.code for commune in communes if commune.kind == CommuneKind.CURRENT}
    for commune in communes:
        if commune.kind != CommuneKind.CURRENT and commune.parent_code not in current_codes:
            errors.add(
                path.name,
                f"{commune.name} ({commune.code}) est rattachée à {commune.parent_code or '(vide)'}, "
                "qui n'est pas une commune actuelle du fichier.",
            )
    return communes


def _commune_row(row: dict, where: str, errors: _Errors) -> CommuneRow | None:
    code, kind, name = row["code_insee"].strip(), row["type"].strip(), row["nom"].strip()
    problems = []
    if not INSEE_CODE.fullmatch(code):
        problems.append(f"code INSEE « {code} » invalide.")
    if kind not in COMMUNE_KINDS:
        problems.append(f"type de commune « {kind} » inconnu.")
    if not name or len(name) > NAME_MAX_LENGTH:
        problems.append(f"nom de commune vide ou de plus de {NAME_MAX_LENGTH} caractères.")
    if row["zone"] not in ZONES:
        problems.append(f"zone « {row['zone']} » inconnue.")
    postal_codes, former_codes = _split_codes(row["codes_postaux"]), _split_codes(row["anciens_codes"])
    problems += [f"code postal « {value} » invalide." for value in postal_codes if not POSTAL_CODE.fullmatch(value)]
    problems += [f"ancien code « {value} » invalide." for value in former_codes if not INSEE_CODE.fullmatch(value)]
    if row["siren"].strip() and not SIREN.fullmatch(row["siren"].strip()):
        problems.append(f"SIREN « {row['siren']} » invalide.")
    for problem in problems:
        errors.add(where, problem)
    population = _parse_count(row["population"], where, "population", errors)
    if problems:
        return None
    return CommuneRow(
        code=code,
        kind=kind,
        name=name,
        departement=row["departement"].strip(),
        region=row["region"].strip(),
        zone=row["zone"],
        population=population,
        siren=row["siren"].strip(),
        former_codes="|".join(former_codes),
        postal_codes=postal_codes,
        parent_code=row[PARENT_COLUMNS[kind]].strip() if kind in PARENT_COLUMNS else "",
    )


def _read_epcis(path: Path, errors: _Errors, communes: list[CommuneRow]) -> tuple[dict, dict[str, str]]:
    """EPCI rows, and the EPCI of each current commune (member lists name current communes only)."""
    current_codes = {commune.code for commune in communes if commune.kind == CommuneKind.CURRENT}
    epcis, epci_of_commune = {}, {}
    for where, row in _read_csv(path, EPCI_COLUMNS, errors):
        siren, kind = row["siren"].strip(), row["type"].strip()
        if not SIREN.fullmatch(siren):
            errors.add(where, f"SIREN « {siren} » invalide.")
            continue
        if (siren,) in epcis:
            errors.add(where, f"EPCI {siren} en double.")
        if kind not in EPCI_KINDS:
            errors.add(where, f"nature d'EPCI « {kind} » inconnue (attendu : {', '.join(EPCI_KINDS)}).")
        population = _parse_count(row["population_totale"], where, "population_totale", errors)
        epcis[(siren,)] = {"name": row["nom"].strip(), "kind": EPCI_KINDS.get(kind, ""), "population": population}
        for member in _split_codes(row["communes_membres"]):
            if member not in current_codes:
                errors.add(where, f"la commune membre {member} n'est pas une commune actuelle du COG.")
            elif member in epci_of_commune:
                errors.add(where, f"la commune {member} appartient déjà à l'EPCI {epci_of_commune[member]}.")
            else:
                epci_of_commune[member] = siren
    return epcis, epci_of_commune


# --- loading ------------------------------------------------------------------------------------------------


@transaction.atomic
def cog_load(*, cog: CogData, progress: Callable | None = None) -> LoadReport:
    """Bring régions, départements, EPCI, communes and postal codes in line with `cog`, in bulk.

    Idempotent: a second load of the same files writes nothing. Rows the files no longer list are kept and counted
    (structures may point at them). `progress(total=..., desc=...)` returns a bar shown while communes load.
    Records one audit event for the whole load.
    """
    regions = sync_rows(Region.objects.all(), key_fields=("code",), fields=_fields(cog.regions), rows=cog.regions)
    departements = sync_rows(
        Departement.objects.all(), key_fields=("code",), fields=_fields(cog.departements), rows=cog.departements
    )
    epcis = sync_rows(Epci.objects.all(), key_fields=("siren",), fields=_fields(cog.epcis), rows=cog.epcis)
    bar = progress(total=len(cog.communes), desc="Communes") if progress else NullProgress()
    try:
        communes = _load_communes(cog, bar)
    finally:
        bar.close()
    report = LoadReport(
        regions=regions,
        departements=departements,
        epcis=epcis,
        communes=communes,
        postal_codes=_load_postal_codes(cog),
    )
    audit.record_bulk(
        Commune,
        summary={"millesime": COG_YEAR, **report.as_dict()},
        description=f"Chargement du Code officiel géographique {COG_YEAR}",
    )
    reset_index()
    transaction.on_commit(reset_index)
    return report


def _fields(rows: dict[tuple, dict]) -> tuple[str, ...]:
    return tuple(next(iter(rows.values()))) if rows else ()


def _load_communes(cog: CogData, bar) -> SyncCounts:
    """Current communes first, so that the others can point at them with `parent`.

    Only current communes get an EPCI: the DGCL member lists name them alone. A commune déléguée or an
    arrondissement reaches its EPCI through `commune.municipality.epci`.
    """
    current = [commune for commune in cog.communes if commune.kind == CommuneKind.CURRENT]
    others = [commune for commune in cog.communes if commune.kind != CommuneKind.CURRENT]
    counts = sync_rows(
        Commune.objects.current(),
        key_fields=("code", "kind"),
        fields=COMMUNE_FIELDS,
        rows={(c.code, c.kind): _commune_fields(c, epci=cog.epci_of_commune.get(c.code)) for c in current},
        bar=bar,
    )
    current_ids = dict(Commune.objects.current().values_list("code", "pk"))
    return counts + sync_rows(
        Commune.objects.exclude(kind=CommuneKind.CURRENT),
        key_fields=("code", "kind"),
        fields=COMMUNE_FIELDS,
        rows={(c.code, c.kind): _commune_fields(c, parent_id=current_ids[c.parent_code]) for c in others},
        bar=bar,
    )


def _commune_fields(commune: CommuneRow, *, parent_id: int | None = None, epci: str | None = None) -> dict:
    return {
        "name": commune.name,
        "departement_id": commune.departement,
        "region_id": commune.region,
        "zone": commune.zone,
        "parent_id": parent_id,
        "epci_id": epci,
        "population": commune.population,
        "siren": commune.siren,
        "former_codes": commune.former_codes,
    }


def _load_postal_codes(cog: CogData) -> SyncCounts:
    """One PostalCode row per (postal code, commune); pairs the files no longer list are deleted."""
    ids = {(code, kind): pk for code, kind, pk in Commune.objects.values_list("code", "kind", "pk")}
    wanted = {(code, ids[(commune.code, commune.kind)]) for commune in cog.communes for code in commune.postal_codes}
    rows_in_db = PostalCode.objects.values_list("pk", "code", "commune_id")
    existing = {(code, commune_id): pk for pk, code, commune_id in rows_in_db}
    to_create = [PostalCode(code=code, commune_id=commune_id) for code, commune_id in sorted(wanted - existing.keys())]
    obsolete = [existing[pair] for pair in existing.keys() - wanted]
    PostalCode.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    for batch in chunks(obsolete):
        PostalCode.objects.filter(pk__in=batch).delete()
    return SyncCounts(
        total=len(wanted),
        created=len(to_create),
        deleted=len(obsolete),
        unchanged=len(wanted) - len(to_create),
    )
