"""Export the structures in the CSV format `import_structures --format csv` reads (cnum.structures.importers.csv):
its canonical column names, `;`, UTF-8 with BOM, oui/non, networks joined with "|". Imported back, every row is
reported unchanged (tests/structures/test_export_csv.py).

The `id` column is the structure's id in that same format's source (`source == "structures-csv"`), empty for
structures from elsewhere: those are matched back by their SIRET, RIDET or RNA. A structure with no identifier or no
commune cannot be imported by this format: it is exported all the same, and the import rejects it with its reason.
"""

import csv
from collections.abc import Iterable

from cnum.core.tabular import safe_row
from cnum.structures.importers.csv import COLUMNS, FORMAT_NAME
from cnum.structures.models import Structure

DELIMITER = ";"


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


#: Canonical column → the structure's value as the importer reads it.
CELLS = {
    "siret": lambda s: s.identifier,
    "nom": lambda s: s.name,
    "type": lambda s: s.get_type_display(),
    "code_insee": lambda s: s.commune.code if s.commune else "",
    "code_postal": lambda s: s.postal_code,
    "commune": lambda s: s.commune.name if s.commune else "",
    "adresse": lambda s: s.address,
    "qpv": lambda s: _yes_no(s.qpv),
    "zrr": lambda s: _yes_no(s.zrr),
    "france_services": lambda s: _yes_no(s.france_services),
    "hub": lambda s: s.hub.name if s.hub else "",
    "reseaux": lambda s: "|".join(sorted(network.name for network in s.networks.all())),
    "contact_nom": lambda s: s.contact_last_name,
    "contact_prenom": lambda s: s.contact_first_name,
    "contact_fonction": lambda s: s.contact_role,
    "contact_email": lambda s: s.contact_email,
    "contact_telephone": lambda s: s.contact_phone,
    "id": lambda s: s.source_id if s.source == FORMAT_NAME else "",
}
assert CELLS.keys() == COLUMNS.keys(), "every column the importer reads, and only those"


def structures_queryset():
    return Structure.objects.select_related("commune", "hub").prefetch_related("networks").order_by("pk")


def write(out, structures: Iterable[Structure], progress=None) -> int:
    """Write the header and one row per structure to the text stream `out`; return the number of rows."""
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\n")
    writer.writerow(COLUMNS.keys())
    count = 0
    for structure in structures:
        writer.writerow(safe_row(cell(structure) for cell in CELLS.values()))
        count += 1
        if progress:
            progress(1)
    return count
