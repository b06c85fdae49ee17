"""Import format "lieux-v1-csv": a CSV file of the national schema v1.0.2 (columns of
reference/mediation-numerique/schema-lieux-mediation-numerique-v1.0.2.json), values checked against its lists."""

from pathlib import Path

from cnum.core.imports import ImportReport
from cnum.sites import schema
from cnum.sites.importers import base
from cnum.sites.importers.files import UnreadableFile, read_csv

FORMAT = "lieux-v1-csv"
REQUIRED_COLUMNS = ("nom", "adresse", "code_postal", "commune")
#: Column names of older files that mean the same thing.
ALIASES = {"courriel": "courriels", "presentation_resumee": "presentation_resume", "code_commune": "code_insee"}
FIELDS = (
    "source",
    "source_id",
    "name",
    "pivot",
    "address",
    "address_complement",
    "postal_code",
    "commune_name",
    "latitude",
    "longitude",
    "typology",
    "phone",
    "emails",
    "websites",
    "opening_hours",
    "summary",
    "description",
    "mobility",
    "parent_structure",
    "updated_on",
    "services",
    "specific_publics",
    "specific_support",
    "fees",
    "national_programmes",
    "training_labels",
    "other_training_labels",
    "access_modes",
    "support_modes",
    "accessibility_url",
    "booking_url",
)
ENUMERATED = (
    "typologie",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
)


def _summary(row: base.Row, value) -> str:
    summary = base.text(value)
    max_length = schema.field("presentation_resume")["constraints"]["maxLength"]
    if len(summary) > max_length:
        row.warn(f"Présentation résumée de {len(summary)} caractères : coupée à {max_length}.", summary[:80])
        summary = summary[: max_length - 1].rstrip() + "…"
    return summary


def build(row: base.Row, record: dict, *, places) -> None:
    values = row.values
    values["source"] = base.limited(base.text(record.get("source")), "Source", "source")
    values["source_id"] = base.limited(base.text(record.get("id")), "Identifiant", "source_id")
    values["name"] = base.limited(base.required(record.get("nom"), "Nom"), "Nom", "name")
    base.set_place(
        row,
        address=record.get("adresse"),
        postal_code=record.get("code_postal"),
        commune_name=record.get("commune"),
        insee=record.get("code_insee"),
        place_index=places,
    )
    base.set_coordinates(row, record.get("latitude"), record.get("longitude"))
    values["updated_on"] = base.parse_date(record.get("date_maj"))
    values["address_complement"] = base.limited(
        base.text(record.get("complement_adresse")), "Complément d'adresse", "address_complement"
    )
    values["parent_structure"] = base.limited(
        base.text(record.get("structure_parente")), "Structure parente", "parent_structure"
    )
    values["summary"] = _summary(row, record.get("presentation_resume"))
    values["description"] = (record.get("presentation_detail") or "").strip()
    values["other_training_labels"] = base.split_list(record.get("autres_formations_labels"))
    base.set_pivot(row, record.get("pivot"))
    base.set_phone(row, record.get("telephone"))
    base.set_emails(row, record.get("courriels"))
    base.set_urls(row, "websites", record.get("site_web"), multiple=True)
    base.set_urls(row, "accessibility_url", record.get("fiche_acces_libre"), multiple=False)
    base.set_urls(row, "booking_url", record.get("prise_rdv"), multiple=False)
    base.set_opening_hours(row, record.get("horaires"))
    for column in ENUMERATED:
        base.set_enumerated(row, column, base.split_list(record.get(column)))


def run(*, path: Path, dry_run: bool, progress=base.no_progress, **options) -> ImportReport:
    """Import a CSV of the national schema v1.0.2; header is line 1."""
    report = ImportReport(format=FORMAT, dry_run=dry_run)
    try:
        lines = list(read_csv(path, required=REQUIRED_COLUMNS, aliases=ALIASES))
    except UnreadableFile as error:
        report.reject(1, str(error))
        return report
    places = base.place_index()
    rows = []
    for line, record in progress(lines, total=len(lines), desc="Lieux"):
        report.total += 1
        if isinstance(record, str):
            report.reject(line, record)
            continue
        row = base.collect(report, base.Row(line=line), lambda row, record=record: build(row, record, places=places))
        if row is not None:
            rows.append(row)
    return base.apply_rows(rows, report=report, fields=FIELDS, dry_run=dry_run, path=path)
