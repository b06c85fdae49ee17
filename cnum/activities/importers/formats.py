"""The activity import formats, registered for `import_activities` and the upload page (cnum.core.imports)."""

from cnum.activities.importers import cnfs_v1, cnum_csv
from cnum.core.imports import Column, ImportFormat, register

V1_COLUMNS = tuple(Column(name, True, "Colonne de l'export de la première plateforme.") for name in cnfs_v1.REQUIRED)
FORMATS = (
    ImportFormat(
        "cnum-csv", "Activités — format cnum (CSV)", "activites", (".csv",), cnum_csv.run_csv, cnum_csv.COLUMNS
    ),
    ImportFormat(
        "xlsx", "Activités — format cnum (XLSX)", "activites", (".xlsx",), cnum_csv.run_xlsx, cnum_csv.COLUMNS
    ),
    ImportFormat(
        "cnfs-v1-csv", "Activités — export de la plateforme v1 (CSV)", "activites", (".csv",), cnfs_v1.run, V1_COLUMNS
    ),
)


def register_formats() -> None:
    for import_format in FORMATS:
        register(import_format)
