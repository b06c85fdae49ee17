"""Import format "france-services-csv": the national list of France Services sites (ANCT, one row per site, opening
hours per day in h_lundi…h_samedi). Every site gets the programme "France Services". Mapping: docs/sites-mapping.md."""

import datetime
import re
from pathlib import Path

from django.utils import timezone

from cnum.core.imports import ImportReport
from cnum.sites import opening_hours, schema
from cnum.sites.importers import base
from cnum.sites.importers.files import UnreadableFile, read_csv
from cnum.sites.normalization import fix_mojibake

FORMAT = "france-services-csv"
SOURCE = "france-services"
REQUIRED_COLUMNS = ("id_fs", "lib_fs", "adresse", "code_postal", "lib_com")
DAY_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi")
#: data·inclusion typology "RFS" (Réseau France Services), from reference/mediation-numerique/typologies.
TYPOLOGY = "RFS"
MOBILITY = {"oui": schema.ITINERANT, "non": schema.FIXED}
FILE_DATE = re.compile(r"(?P<year>20\d\d)-?(?P<month>[01]\d)-?(?P<day>[0-3]\d)")
FIELDS = (
    "source",
    "source_id",
    "name",
    "address",
    "address_complement",
    "postal_code",
    "commune_name",
    "latitude",
    "longitude",
    "phone",
    "emails",
    "opening_hours",
    "description",
    "mobility",
    "national_programmes",
    "typology",
    "updated_on",
)


def file_date(path: Path) -> datetime.date | None:
    """The list's date, from its name ("france-services-2022-12-01.csv", "liste-fs-20221201.csv")."""
    match = FILE_DATE.search(Path(path).name)
    if match is None:
        return None
    try:
        return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def build(row: base.Row, record: dict, *, places, updated_on: datetime.date) -> None:
    record = {key: fix_mojibake(value) for key, value in record.items()}
    values = row.values
    values.update(source=SOURCE, updated_on=updated_on, national_programmes=[schema.FRANCE_SERVICES])
    values["typology"] = [TYPOLOGY]
    values["source_id"] = base.required(record.get("id_fs"), "Identifiant France Services (id_fs)")
    base.set_place(
        row,
        address=record.get("adresse"),
        postal_code=record.get("code_postal"),
        commune_name=record.get("lib_com"),
        insee=record.get("insee_com"),
        place_index=places,
    )
    base.set_name(row, record.get("lib_fs"))
    base.set_coordinates(row, record.get("latitude"), record.get("longitude"))
    values["address_complement"] = base.limited(
        base.text(record.get("complement_adresse")), "Complément d'adresse", "address_complement"
    )
    values["description"] = (record.get("commentaire") or "").strip()
    base.set_phone(row, record.get("telephone"))
    base.set_emails(row, record.get("mail"))
    try:
        values["opening_hours"] = opening_hours.from_france_services(record, DAY_COLUMNS)
    except opening_hours.OpeningHoursError as error:
        values["opening_hours"] = ""
        row.warn(f"{error} Horaires non repris.")
    mobility = base.text(record.get("itinerance")).lower()
    values["mobility"] = [MOBILITY[mobility]] if mobility in MOBILITY else []
    if mobility and mobility not in MOBILITY:
        row.warn("Itinérance « Oui » ou « Non » attendue, valeur ignorée.", record.get("itinerance"))


def run(*, path: Path, dry_run: bool, progress=base.no_progress, updated_on=None, **options) -> ImportReport:
    """Import the France Services list; `updated_on` (date_maj of every site) defaults to the date in the file name."""
    report = ImportReport(format=FORMAT, dry_run=dry_run)
    try:
        lines = list(read_csv(path, required=REQUIRED_COLUMNS))
    except UnreadableFile as error:
        report.reject(1, str(error))
        return report
    updated_on = updated_on or file_date(path)
    if updated_on is None:
        updated_on = timezone.localdate()
        report.warn(0, f"Pas de date dans le nom du fichier : date de mise à jour des lieux = {updated_on:%d/%m/%Y}.")
    places = base.place_index()
    rows = []
    for line, record in progress(lines, total=len(lines), desc="Lieux"):
        report.total += 1
        if isinstance(record, str):
            report.reject(line, record)
            continue
        row = base.collect(
            report,
            base.Row(line=line),
            lambda row, record=record: build(row, record, places=places, updated_on=updated_on),
        )
        if row is not None:
            rows.append(row)
    return base.apply_rows(rows, report=report, fields=FIELDS, dry_run=dry_run, path=path)
