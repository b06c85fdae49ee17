"""Load the territorial hubs (hubs territoriaux du numérique inclusif) from their reference file.

Source: reference/mediation-numerique/cnfs-referentiels/hubs.json (anct-cnum/api-conseiller-numerique@5e60a62,
AGPL-3.0): each hub has a `name` and either `region_names` (names of COG régions) or `departements` (codes).
The whole file is checked against the loaded territories before anything is written.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from cnum.core import audit, jsontext
from cnum.structures.models import Hub
from cnum.territories.models import Departement, Region
from cnum.territories.normalization import normalize_name


def hubs_file() -> Path:
    return settings.REFERENCE_DIR / "mediation-numerique" / "cnfs-referentiels" / "hubs.json"


class HubFileError(Exception):
    """The file cannot be loaded as it is; the message, in French, says why."""


@dataclass(frozen=True)
class HubEntry:
    name: str
    region_codes: frozenset[str]
    departement_codes: frozenset[str]


@dataclass
class HubLoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # hubs in the database the file no longer lists: kept

    def as_dict(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ("created", "updated", "unchanged", "absent")}


def hubs_read(path: Path) -> list[HubEntry]:
    """The hubs of the file, their régions and départements resolved; HubFileError on any problem."""
    try:
        records = jsontext.parse(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise HubFileError(f"Fichier des hubs introuvable : {path}.") from error
    except (UnicodeDecodeError, jsontext.UnreadableJson) as error:
        raise HubFileError(f"Fichier des hubs illisible ({path}) : {error}") from None
    if not isinstance(records, list):
        raise HubFileError("Le fichier des hubs doit contenir une liste.")
    regions = {normalize_name(name): code for code, name in Region.objects.values_list("code", "name")}
    departements = set(Departement.objects.values_list("code", flat=True))
    if not regions:
        raise HubFileError("Aucune région en base : chargez d'abord les territoires (load_territories).")
    entries, problems = [], []
    for number, record in enumerate(records, start=1):
        entry, errors = _entry(number, record, regions, departements)
        problems.extend(errors)
        if entry is not None:
            entries.append(entry)
    names = [entry.name for entry in entries]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems.extend(f"Hub « {name} » présent plusieurs fois." for name in repeated)
    if problems:
        raise HubFileError("Fichier des hubs refusé :\n  " + "\n  ".join(problems))
    return entries


def _entry(number: int, record, regions: dict[str, str], departements: set[str]):
    if not isinstance(record, dict) or not str(record.get("name") or "").strip():
        return None, [f"Hub n° {number} : nom manquant."]
    name = str(record["name"]).strip()
    region_names = record.get("region_names") or []
    departement_codes = [str(code).strip() for code in record.get("departements") or []]
    errors = [
        f"Hub « {name} » : région inconnue « {region} »."
        for region in region_names
        if normalize_name(region) not in regions
    ]
    errors += [
        f"Hub « {name} » : département inconnu « {code} »." for code in departement_codes if code not in departements
    ]
    if not region_names and not departement_codes:
        errors.append(f"Hub « {name} » : ni région ni département.")
    if errors:
        return None, errors
    region_codes = frozenset(regions[normalize_name(region)] for region in region_names)
    return HubEntry(name=name, region_codes=region_codes, departement_codes=frozenset(departement_codes)), []


def hubs_load(entries: list[HubEntry]) -> HubLoadReport:
    """Create or update each hub so that its régions and départements are those of the file; idempotent."""
    report = HubLoadReport()
    existing = {hub.name: hub for hub in Hub.objects.prefetch_related("regions", "departements")}
    for entry in entries:
        hub = existing.get(entry.name)
        if hub is None:
            hub = Hub.objects.create(name=entry.name)
            report.created.append(entry.name)
        elif {region.code for region in hub.regions.all()} == entry.region_codes and {
            departement.code for departement in hub.departements.all()
        } == entry.departement_codes:
            report.unchanged.append(entry.name)
            continue
        else:
            report.updated.append(entry.name)
        hub.regions.set(entry.region_codes)
        hub.departements.set(entry.departement_codes)
    listed = {entry.name for entry in entries}
    report.absent = sorted(name for name in existing if name not in listed)
    if report.created or report.updated:
        audit.record_bulk(Hub, summary=report.as_dict(), description="Chargement des hubs territoriaux")
    return report
