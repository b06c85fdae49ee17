"""Import format "cnfs-v0-json": the Conseiller numérique (CnFS) export of permanences, in the v0 field names of the
national standard (`labels_nationaux`, `conditions_access`, `;`-joined services). Mapping: docs/sites-mapping.md."""

import re
from pathlib import Path

from cnum.core.imports import ImportReport
from cnum.sites import opening_hours, schema
from cnum.sites.importers import base
from cnum.sites.importers.files import UnreadableFile, read_json_records

FORMAT = "cnfs-v0-json"
DEFAULT_SOURCE = "conseiller-numerique"
FIELDS = (
    "source",
    "source_id",
    "name",
    "pivot",
    "address",
    "postal_code",
    "commune_name",
    "latitude",
    "longitude",
    "phone",
    "emails",
    "websites",
    "booking_url",
    "opening_hours",
    "services",
    "fees",
    "national_programmes",
    "updated_on",
)

#: v0 services (CnFS and cartographie nationale, 2022) → services of schema v1.0.2. Several old ones merge.
SERVICES_V0 = {
    "Prendre en main un smartphone ou une tablette": "Maîtrise des outils numériques du quotidien",
    "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
    "Utiliser le numérique au quotidien": "Maîtrise des outils numériques du quotidien",
    "Approfondir ma culture numérique": "Compréhension du monde numérique",
    "Promouvoir la citoyenneté numérique": "Compréhension du monde numérique",
    "Créer avec le numérique": "Loisirs et créations numériques",
    "Favoriser mon insertion professionnelle": "Insertion professionnelle via le numérique",
    "Créer et développer mon entreprise": "Insertion professionnelle via le numérique",
    "Devenir autonome dans les démarches administratives": "Aide aux démarches administratives",
    "Gagner en autonomie dans les démarches administratives": "Aide aux démarches administratives",
    "Réaliser des démarches administratives avec un accompagnement": "Aide aux démarches administratives",
    "Etre accompagné dans les démarches administratives": "Aide aux démarches administratives",
    "Accompagner les démarches de santé": "Aide aux démarches administratives",
    "Soutenir la parentalité et l'éducation avec le numérique": "Parentalité et éducation avec le numérique",
    "Accéder à une connexion internet": "Accès internet et matériel informatique",
    "Accéder à du matériel": "Accès internet et matériel informatique",
    "S'équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
}
#: v0 `labels_nationaux` → `dispositif_programmes_nationaux` of v1.0.2 (values already in v1 map to themselves).
LABELS_V0 = {
    "CNFS": "Conseillers numériques",
    "Conseiller numérique": "Conseillers numériques",
    "Conseiller numérique France Services": "Conseillers numériques",
    "Grandes écoles du numérique": "Grande école du numérique",
    "Point relais CAF": "Point d'accès numérique CAF",
    "Relais numériques Emmaüs Connect": "Relais numérique (Emmaüs Connect)",
}
LABEL_SPLIT = re.compile(r"\s*[;,|]\s*")


def _folded(mapping: dict[str, str]) -> dict[str, str]:
    return {schema.fold(key): value for key, value in mapping.items()}


SERVICES_BY_KEY, LABELS_BY_KEY = _folded(SERVICES_V0), _folded(LABELS_V0)


def map_services(row: base.Row, value) -> None:
    services = []
    for item in base.split_list(value):
        mapped = SERVICES_BY_KEY.get(schema.fold(item)) or schema.enumeration("services").canonical(item)
        if mapped is None:
            row.warn("Service v0 sans équivalent dans le schéma v1.0.2, ignoré.", item)
        elif mapped not in services:
            services.append(mapped)
    row.values["services"] = services


def map_labels(row: base.Row, value) -> None:
    programmes = []
    for item in (part for part in LABEL_SPLIT.split(base.text(value)) if part):
        key = schema.fold(item)
        mapped = LABELS_BY_KEY.get(key) or schema.enumeration("dispositif_programmes_nationaux").canonical(item)
        if mapped is None:
            row.warn("Label national sans équivalent dans « dispositif_programmes_nationaux », ignoré.", item)
        elif mapped not in programmes:
            programmes.append(mapped)
    row.values["national_programmes"] = programmes


def map_access_conditions(row: base.Row, value) -> None:
    """ "Gratuit : Je peux accéder gratuitement au lieu et à ses services" → "Gratuit" (the label before " : ")."""
    fees = []
    for item in base.split_list(value):
        label = item.split(" : ", 1)[0].strip()
        canonical = schema.enumeration("frais_a_charge").canonical(label)
        if canonical is None:
            row.warn("Condition d'accès sans équivalent dans « frais_a_charge », ignorée.", item)
        elif canonical not in fees:
            fees.append(canonical)
    row.values["fees"] = fees


def build(row: base.Row, record: dict, *, places) -> None:
    values = row.values
    values["source"] = base.text(record.get("source")) or DEFAULT_SOURCE
    values["source_id"] = base.limited(base.text(record.get("id")), "Identifiant", "source_id")
    base.set_place(
        row,
        address=record.get("adresse"),
        postal_code=record.get("code_postal"),
        commune_name=record.get("commune"),
        insee=record.get("code_insee"),
        place_index=places,
    )
    base.set_name(row, record.get("nom"))
    base.set_coordinates(row, record.get("latitude"), record.get("longitude"))
    values["updated_on"] = base.parse_date(record.get("date_maj"))
    base.set_pivot(row, record.get("pivot"))
    base.set_phone(row, record.get("telephone"))
    base.set_emails(row, record.get("courriel") or record.get("courriels"))
    base.set_urls(row, "websites", record.get("site_web"), multiple=True)
    base.set_urls(row, "booking_url", record.get("prise_rdv"), multiple=False)
    base.set_opening_hours(row, record.get("horaires"), converter=opening_hours.from_cnfs)
    map_services(row, record.get("services"))
    map_access_conditions(row, record.get("conditions_access"))
    map_labels(row, record.get("labels_nationaux"))


def run(*, path: Path, dry_run: bool, progress=base.no_progress, **options) -> ImportReport:
    """Import the CnFS v0 JSON export (a list of permanences); record numbers stand for line numbers."""
    report = ImportReport(format=FORMAT, dry_run=dry_run)
    try:
        records = read_json_records(path)
    except UnreadableFile as error:
        report.reject(0, str(error))
        return report
    places = base.place_index()
    rows = []
    for number, record in enumerate(progress(records, total=len(records), desc="Lieux"), start=1):
        report.total += 1
        if not isinstance(record, dict):
            report.reject(number, "Enregistrement qui n'est pas un objet JSON.", str(record)[:80])
            continue
        record = {str(key).strip().lower(): value for key, value in record.items()}
        row = base.collect(report, base.Row(line=number), lambda row, record=record: build(row, record, places=places))
        if row is not None:
            rows.append(row)
    return base.apply_rows(rows, report=report, fields=FIELDS, dry_run=dry_run, path=path)
