"""What every site importer shares: checking a row into Site values, then matching and writing all rows at once.

Rules (docs/sites-mapping.md, "Règles communes"):
- a row is rejected, with its line and a French reason, when it has no name or address, when its commune cannot be
  resolved by `territories.lookup.find_commune` (the lookup's reason is given), or when its coordinates are invalid;
- a value that cannot be put into the schema's form (phone, e-mail, URL, enumerated value, opening hours) is dropped
  with a warning, the row is kept;
- an existing site is matched by (source, source id), then by pivot + normalized address + postal code; the rows are
  written in one transaction (nothing with dry_run), with one audit summary; re-importing a file changes nothing;
- `structure` follows the pivot: the Structure whose identifier equals it; without one, an existing link is kept;
- every written row leaves its provenance: one SiteSource per (site, source) holding the values the source gave.
"""

import datetime
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cnum.core import audit
from cnum.core.imports import ImportReport
from cnum.sites import opening_hours, schema
from cnum.sites.importers.places import resolve_commune
from cnum.sites.models import Site, SiteSource
from cnum.sites.normalization import Unfixable, normalize_phone, normalize_pivot, split_emails, split_urls
from cnum.structures.models import Structure
from cnum.territories.lookup import normalize_name, normalize_postal_code
from cnum.territories.models import Commune

BATCH_SIZE = 500
# Metropolitan France with a margin (Corsica and the islands included), to catch swapped coordinates.
METRO_LATITUDES, METRO_LONGITUDES = (41.0, 51.6), (-5.8, 10.0)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y")
LIST_SPLIT = re.compile(r"\s*[|;]\s*")


class Reject(Exception):
    def __init__(self, reason: str, value=""):
        super().__init__(reason)
        self.reason, self.value = reason, value


@dataclass
class Row:
    """One row being checked: the Site values found so far and the warnings to report if the row is kept."""

    line: int
    values: dict = field(default_factory=dict)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    zone: str = ""  # of the commune found, for the coordinates check
    unnamed: tuple[str, str] | None = None  # (the name read, why it is no name), set by set_name

    def warn(self, reason: str, value="") -> None:
        self.warnings.append((reason, str(value)))


def text(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def required(value, label: str) -> str:
    cleaned = text(value)
    if not cleaned:
        raise Reject(f"{label} manquant(e).")
    return cleaned


def limited(value: str, label: str, attribute: str) -> str:
    max_length = Site._meta.get_field(attribute).max_length
    if len(value) > max_length:
        raise Reject(f"{label} trop long ({len(value)} caractères, {max_length} au plus).", value)
    return value


def set_place(row: Row, *, address, postal_code, commune_name, insee="", place_index) -> None:
    """Address, postal code and the commune found by the national lookup (rejects when it finds none)."""
    row.values["address"] = limited(required(address, "Adresse"), "Adresse", "address")
    raw_postal_code = required(postal_code, "Code postal")
    code = normalize_postal_code(raw_postal_code)
    if code is None:
        raise Reject(f"Code postal « {raw_postal_code} » invalide : 5 chiffres attendus.", raw_postal_code)
    # "49350 GENNES-VAL-DE-LOIRE": the postal code repeated in the name is not part of it.
    name = re.sub(rf"^{code}\s+|\s+{code}$", "", text(commune_name))
    result = resolve_commune(insee=text(insee), postal_code=code, name=name)
    if not result.ok:
        raise Reject(f"Commune non reconnue : {result.reason}", f"{code} {text(commune_name)}".strip())
    for note in result.notes:
        row.warn(f"Commune : {note}")
    departement, zone = place_index[result.commune_id]
    row.values.update(
        postal_code=code,
        commune_id=result.commune_id,
        commune_name=result.name,
        departement_id=departement,
    )
    row.zone = zone


def _number(value) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise Reject(f"Coordonnée « {value} » non numérique.", value) from None
    if math.isnan(number) or math.isinf(number):
        raise Reject(f"Coordonnée « {value} » non numérique.", value)
    return number


def set_coordinates(row: Row, latitude, longitude) -> None:
    """WGS84 latitude and longitude, both or neither; rejects impossible ones, and swapped ones in mainland France."""
    lat, lon = _number(latitude), _number(longitude)
    if (lat is None) != (lon is None):
        raise Reject("Coordonnées incomplètes : latitude et longitude vont ensemble.", f"{latitude} {longitude}")
    if lat is not None:
        shown = f"{lat}, {lon}"
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            raise Reject(f"Coordonnées impossibles ({shown}).", shown)
        in_metro = (METRO_LATITUDES[0] <= lat <= METRO_LATITUDES[1]) and (
            METRO_LONGITUDES[0] <= lon <= METRO_LONGITUDES[1]
        )
        if row.zone == "metro" and not in_metro:
            raise Reject(
                f"Coordonnées ({shown}) hors de France métropolitaine alors que la commune y est "
                "(latitude et longitude inversées ?).",
                shown,
            )
    row.values.update(latitude=lat, longitude=lon)


def set_phone(row: Row, value) -> None:
    row.values["phone"] = ""
    if text(value):
        try:
            row.values["phone"] = normalize_phone(value)
        except Unfixable as error:
            row.warn(f"{error} Numéro ignoré.", value)


def set_emails(row: Row, value) -> None:
    valid, invalid = split_emails(value)
    for email in invalid:
        row.warn("Courriel invalide, ignoré.", email)
    row.values["emails"] = valid


def set_urls(row: Row, attribute: str, value, *, multiple: bool) -> None:
    valid, invalid = split_urls(value)
    for url in invalid:
        row.warn("Adresse web invalide (http:// ou https:// attendu), ignorée.", url)
    if multiple:
        row.values[attribute] = valid
    else:
        if len(valid) > 1:
            row.warn("Plusieurs adresses web là où une seule est attendue : la première est gardée.", value)
        row.values[attribute] = valid[0] if valid else ""


NUMBER_ONLY = re.compile(r"[\d\s.,/-]*\d[\d\s.,/-]*(?:\s*(?:bis|ter|quater|[a-d]))?", re.IGNORECASE)
SIRET_LIKE = re.compile(r"(?:\d[\s.]?){9}(?:(?:\d[\s.]?){5})?")
NOT_A_NAME_LETTERS = re.compile(r"[\W_]+")
#: The name of a site whose name is no name and whose structure is unknown, before its commune.
UNNAMED_SITE = "Lieu d'activité"


def not_a_name(name: str) -> str:
    """Why `name` is not a site's name ("" when it is one)."""
    if not name:
        return "vide"
    if SIRET_LIKE.fullmatch(name):
        return "c'est un numéro SIRET ou SIREN"
    if NOT_A_NAME_LETTERS.fullmatch(name) or NUMBER_ONLY.fullmatch(name):
        return "c'est un numéro, pas un nom"
    return ""


def set_name(row: Row, value) -> None:
    """The site's name (after set_place). One that is no name (a street number, "11 bis", a SIRET) is replaced by
    its structure's name and commune when apply_rows finds the structure, else by "Lieu d'activité — <commune>",
    with a warning on the row."""
    name = text(required(value, "Nom"))
    problem = not_a_name(name)
    if problem:
        row.unnamed = (name, problem)
        name = f"{UNNAMED_SITE} — {row.values['commune_name']}"
    row.values["name"] = limited(name, "Nom", "name")


def _rename_unnamed(row: Row, report: ImportReport, structure_name: str) -> None:
    name, problem = row.unnamed
    if structure_name:
        row.values["name"] = limited(f"{structure_name} — {row.values['commune_name']}", "Nom", "name")
    report.warn(row.line, f"Nom « {name} » : {problem} ; remplacé par « {row.values['name']} ».", name)


def set_pivot(row: Row, value) -> None:
    try:
        row.values["pivot"] = normalize_pivot(value)
    except Unfixable as error:
        row.values["pivot"] = ""
        row.warn(str(error), value)


def set_opening_hours(row: Row, value, *, converter=opening_hours.check) -> None:
    row.values["opening_hours"] = ""
    if text(value):
        try:
            row.values["opening_hours"] = converter(value)
        except opening_hours.OpeningHoursError as error:
            row.warn(f"{error} Horaires non repris.", value)


def split_list(value) -> list[str]:
    return [item for item in LIST_SPLIT.split(text(value)) if item] if text(value) else []


def set_enumerated(row: Row, column: str, values) -> None:
    """Values of a closed list of the schema, in its spelling; unknown ones are dropped with a warning."""
    enumeration = schema.enumeration(column)
    kept = []
    for value in values:
        canonical = enumeration.canonical(value)
        if canonical is None:
            row.warn(f"Valeur inconnue pour « {column} » (schéma v1.0.2), ignorée.", value)
        elif canonical not in kept:
            kept.append(canonical)
    row.values[schema.FIELD_ATTRIBUTES[column]] = kept


def parse_date(value, label: str = "Date de mise à jour") -> datetime.date:
    raw = required(value, label)
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw[:10], date_format).date()
        except ValueError:
            continue
    raise Reject(f"{label} « {raw} » illisible : AAAA-MM-JJ attendu.", raw)


# --- applying the rows --------------------------------------------------------------------------------------


def place_index() -> dict[int, tuple[str, str]]:
    """commune id → (département code, zone), for every commune: one query instead of one per row."""
    return {pk: (dep, zone) for pk, dep, zone in Commune.objects.values_list("id", "departement_id", "zone")}


def address_key(values: dict) -> tuple[str, str, str] | None:
    if not values.get("pivot"):
        return None
    return values["pivot"], normalize_name(values["address"]), values["postal_code"]


@dataclass
class Plan:
    creates: list[Site] = field(default_factory=list)
    updates: dict[int, Site] = field(default_factory=dict)
    changed_fields: set[str] = field(default_factory=set)
    unchanged: int = 0
    rows: list[tuple[Row, Site]] = field(default_factory=list)  # every row and its site, for the provenance
    fields: tuple[str, ...] = ()


def provided(values: dict, fields: tuple[str, ...]) -> dict:
    """The non-empty values a source gave for a site, as JSON (dates in ISO form): its SiteSource.fields."""
    given = {}
    for name in fields:
        value = values.get(name)
        if name in ("source", "source_id") or value in (None, "", []):
            continue
        given[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return given


def apply_rows(
    rows: list[Row],
    *,
    report: ImportReport,
    fields: tuple[str, ...],
    dry_run: bool,
    path: Path,
    match_across_sources: bool = True,
    match_names: bool = False,
) -> ImportReport:
    """Match the checked rows with existing sites, then create and update them in one transaction.

    `match_across_sources=False` leaves out the pivot + address match with other sources' sites (csv-auto proposes
    those as duplicates instead); `match_names` matches a row without identifier with the site of the same source,
    normalized name and commune.
    """
    rows = _without_duplicate_ids(rows, report)
    structures = {
        identifier: (pk, name)
        for identifier, pk, name in Structure.objects.exclude(identifier="").values_list("identifier", "id", "name")
    }
    matches = _matches(rows, across_sources=match_across_sources, by_name=match_names)
    for row in rows:
        # A link follows the pivot; an import never removes one (it may come from elsewhere, e.g. the demo data).
        current = matches[row.line].structure_id if row.line in matches else None
        named_by = re.sub(r"\D", "", row.unnamed[0]) if row.unnamed else ""
        owner = structures.get(row.values.get("pivot") or "") or structures.get(named_by)
        row.values["structure_id"] = owner[0] if owner else current
        if row.unnamed:
            linked = Structure.objects.filter(pk=current).values_list("name", flat=True).first() if current else ""
            _rename_unnamed(row, report, owner[1] if owner else linked)
    plan = _plan(rows, matches, attributes=(*fields, "commune_id", "departement_id", "structure_id"))
    plan.fields = fields
    report.created, report.updated, report.unchanged = len(plan.creates), len(plan.updates), plan.unchanged
    if not dry_run:
        _write(plan, report=report, path=path)
    return report


def name_key(values: dict) -> tuple[str, str, int | None]:
    return values.get("source", ""), normalize_name(values.get("name", "")), values.get("commune_id")


def _matches(rows: list[Row], *, across_sources: bool = True, by_name: bool = False) -> dict[int, Site]:
    """line → existing site: by (source, source id) first; then, when asked, by (source, name, commune) for rows
    without identifier; then by pivot + address among the sites still free, unless `across_sources` is False."""
    existing = list(Site.objects.order_by("pk"))
    by_source_id = {(site.source, site.source_id): site for site in existing if site.source_id}
    by_address: dict[tuple, list[Site]] = {}
    for site in existing if across_sources else ():
        key = address_key({"pivot": site.pivot, "address": site.address, "postal_code": site.postal_code})
        if key:
            by_address.setdefault(key, []).append(site)
    matches, claimed = {}, set()
    for row in rows:
        site = by_source_id.get((row.values.get("source", ""), row.values.get("source_id", "")))
        if row.values.get("source_id") and site is not None:
            matches[row.line] = site
            claimed.add(site.pk)
    if by_name:
        by_source_name = {name_key(vars(site)): site for site in existing if not site.source_id}
        for row in rows:
            site = by_source_name.get(name_key(row.values))
            if not row.values.get("source_id") and site is not None and site.pk not in claimed:
                matches[row.line] = site
                claimed.add(site.pk)
    for row in rows:
        candidates = [site for site in by_address.get(address_key(row.values), []) if site.pk not in claimed]
        if row.line not in matches and candidates:
            matches[row.line] = candidates[0]
            claimed.add(candidates[0].pk)
    return matches


def _plan(rows: list[Row], matches: dict[int, Site], *, attributes: tuple[str, ...]) -> "Plan":
    plan, now = Plan(), timezone.now()
    for row in rows:
        site = matches.get(row.line)
        if site is None:
            site = Site(**{name: row.values[name] for name in attributes if name in row.values})
            plan.creates.append(site)
            plan.rows.append((row, site))
            continue
        plan.rows.append((row, site))
        changes = _changes(site, row.values, attributes)
        if not changes:
            plan.unchanged += 1
            continue
        for name in changes:
            setattr(site, name, row.values[name])
        site.updated_at = now
        plan.updates[site.pk] = site
        plan.changed_fields.update(changes)
    return plan


def _without_duplicate_ids(rows: list[Row], report: ImportReport) -> list[Row]:
    seen: dict[tuple[str, str], int] = {}
    kept = []
    for row in rows:
        key = (row.values.get("source", ""), row.values.get("source_id", ""))
        if key[1] and key in seen:
            report.reject(row.line, f"Identifiant « {key[1]} » déjà vu ligne {seen[key]} : ligne en double.", key[1])
            continue
        seen.setdefault(key, row.line)
        kept.append(row)
    return kept


def _changes(site: Site, values: dict, attributes: tuple[str, ...]) -> list[str]:
    """Attributes whose value differs. A site matched across sources keeps its own source and source id."""
    keep_identity = values.get("source", "") != site.source
    names = []
    for name in attributes:
        if name not in values or (keep_identity and name in ("source", "source_id")):
            continue
        if getattr(site, name) != values[name]:
            names.append(name)
    return names


@transaction.atomic
def _write(plan: Plan, *, report: ImportReport, path: Path) -> None:
    Site.objects.bulk_create(plan.creates, batch_size=BATCH_SIZE)
    if plan.updates:
        Site.objects.bulk_update(
            list(plan.updates.values()), fields=[*sorted(plan.changed_fields), "updated_at"], batch_size=BATCH_SIZE
        )
    record_provenance([(row.values, site) for row, site in plan.rows], fields=plan.fields)
    audit.record_bulk(
        Site,
        summary={
            "format": report.format,
            "fichier": Path(path).name,
            "lignes": report.total,
            "créés": report.created,
            "mis à jour": report.updated,
            "inchangés": report.unchanged,
            "rejetés": len(report.rejected),
            "avertissements": len(report.warnings),
        },
        description=f"Import des lieux ({report.format}) : {Path(path).name}",
    )


def record_provenance(pairs: list[tuple[dict, Site]], *, fields: tuple[str, ...]) -> None:
    """One SiteSource per (site, source of the row), holding what the row gave; touched only when that changed."""
    now = timezone.now()
    sites = {site.pk for _values, site in pairs}
    known = {(record.site_id, record.source): record for record in SiteSource.objects.filter(site_id__in=sites)}
    creates, updates = [], []
    for values, site in pairs:
        source = values.get("source") or site.source
        given, source_id = provided(values, fields), values.get("source_id", "")
        record = known.get((site.pk, source))
        if record is None:
            record = SiteSource(site=site, source=source, source_id=source_id, fields=given, updated_at=now)
            known[(site.pk, source)] = record
            creates.append(record)
        elif record.fields != given or record.source_id != source_id:
            record.fields, record.source_id, record.updated_at = given, source_id, now
            updates.append(record)
    SiteSource.objects.bulk_create(creates, batch_size=BATCH_SIZE)
    SiteSource.objects.bulk_update(updates, fields=["fields", "source_id", "updated_at"], batch_size=BATCH_SIZE)


def collect(report: ImportReport, row: Row, build) -> Row | None:
    """Run `build(row)`; keep the row and its warnings, or record its rejection."""
    try:
        build(row)
    except Reject as error:
        report.reject(row.line, error.reason, error.value)
        return None
    for reason, value in row.warnings:
        report.warn(row.line, reason, value)
    return row


def no_progress(iterable, **kwargs):
    return iterable
