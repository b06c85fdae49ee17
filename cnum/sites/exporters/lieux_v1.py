"""Exports of the published sites in the national schema v1.0.2: CSV ("lieux-v1-csv", the open-data file) and JSON
("lieux-v1-json", the same records with lists and numbers, as the API gives them).

Each row is checked against the schema's own constraints (required, pattern, maxLength) before it is written, so the
CSV validates against the official Table Schema. The schema requires `pivot` (SIRET, RNA or RIDET); a site whose
pivot is unknown gets its linked structure's identifier, and otherwise is left out of the export and counted — unless
`unknown_pivot="zeros"` asks for the CnFS export's convention "00000000000000" (docs/sites-mapping.md, "Export").

`source` lists every source that described the site (its own first, then its provenance, joined with "|") and
`date_maj` is the latest date any of them gave (docs/sites-mapping.md, "Provenance").
"""

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from cnum.core.tabular import safe_cell
from cnum.sites import schema
from cnum.sites.models import Site

UNKNOWN_PIVOT_POLICIES = ("exclude", "zeros")
ZEROS_PIVOT = "00000000000000"
NO_PIVOT = "pivot (SIRET, RNA ou RIDET) inconnu, alors que le schéma l'exige"


@dataclass
class ExportResult:
    written: int = 0
    excluded: Counter = field(default_factory=Counter)  # reason → number of sites left out
    blanked: Counter = field(default_factory=Counter)  # optional column → values left empty as invalid

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


class Excluded(Exception):
    pass


def export_queryset():
    return (
        Site.objects.published().select_related("commune", "structure").prefetch_related("provenance").order_by("pk")
    )


def pivot_for(site: Site, unknown_pivot: str = "exclude") -> str:
    """The site's own pivot; else its structure's identifier; else "" (or the zeros convention if asked)."""
    if site.pivot:
        return site.pivot
    identifier = site.structure.identifier if site.structure_id else ""
    if identifier and re.fullmatch(r"[A-Za-z0-9]{9,14}", identifier):
        return identifier
    return ZEROS_PIVOT if unknown_pivot == "zeros" else ""


def site_record(site: Site, *, unknown_pivot: str = "exclude") -> dict:
    """The site under the schema's column names: lists for multi-valued columns, numbers for coordinates."""
    record = {}
    for name in schema.field_names():
        if name == "id":
            record[name] = str(site.pk)
        elif name == "pivot":
            record[name] = pivot_for(site, unknown_pivot)
        elif name == "code_insee":
            record[name] = site.commune.code if site.commune_id else ""
        elif name == "date_maj":
            record[name] = site.latest_update.isoformat()
        elif name == "source":
            record[name] = schema.MULTI_VALUE_SEPARATOR.join(site.sources)
        else:
            record[name] = getattr(site, schema.FIELD_ATTRIBUTES[name])
    return record


def flat(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return schema.MULTI_VALUE_SEPARATOR.join(value)
    return str(value)


def checked(record: dict, result: ExportResult) -> dict:
    """The record with invalid optional values emptied; Excluded when a required column cannot be valid."""
    for column in schema.schema()["fields"]:
        name, constraints = column["name"], column.get("constraints", {})
        value = flat(record[name])
        problem = ""
        if constraints.get("required") and not value:
            problem = NO_PIVOT if name == "pivot" else f"colonne obligatoire « {name} » vide"
        elif value and constraints.get("pattern") and not re.fullmatch(constraints["pattern"], value):
            problem = f"« {name} » ne respecte pas le motif du schéma"
        elif value and len(value) > constraints.get("maxLength", len(value)):
            problem = f"« {name} » dépasse {constraints['maxLength']} caractères"
        if problem and constraints.get("required"):
            raise Excluded(problem)
        if problem:
            result.blanked[name] += 1
            record[name] = [] if isinstance(record[name], list) else ""
    return record


def records(sites, result: ExportResult, *, unknown_pivot: str):
    for site in sites:
        try:
            record = checked(site_record(site, unknown_pivot=unknown_pivot), result)
        except Excluded as reason:
            result.excluded[str(reason)] += 1
            continue
        result.written += 1
        yield record


def write_csv(file, sites, *, unknown_pivot: str = "exclude") -> ExportResult:
    """CSV in UTF-8, the schema's columns in order, multi-values joined with "|", dates ISO 8601; a text a
    spreadsheet would read as a formula written after a quote (`cnum.core.tabular`), numbers as numbers."""
    result = ExportResult()
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(schema.field_names())
    for record in records(sites, result, unknown_pivot=unknown_pivot):
        writer.writerow([csv_cell(record[name]) for name in schema.field_names()])
    return result


def csv_cell(value):
    return value if isinstance(value, int | float) else safe_cell(flat(value))


def json_value(value):
    if isinstance(value, list | float | int) or value is None:
        return value
    return value or None


def write_json(file, sites, *, unknown_pivot: str = "exclude") -> ExportResult:
    """A JSON array of records: the schema's column names, lists for multi-valued columns, null when empty."""
    result = ExportResult()
    rows = [
        {name: json_value(value) for name, value in record.items()}
        for record in records(sites, result, unknown_pivot=unknown_pivot)
    ]
    json.dump(rows, file, ensure_ascii=False, indent=1)
    file.write("\n")
    return result


WRITERS = {"lieux-v1-csv": write_csv, "lieux-v1-json": write_json}
