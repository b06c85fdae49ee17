"""The whole regional file of the Région Sud (1,245 rows; provenance in tests/sites/data/README.md) through csv-auto
without a mapping: the figures issue #23 is judged on, each measured against what the file itself says (its INSEE
codes, postal codes, street numbers and site types), never against a figure copied from a run. The measure is
printed by `pytest tests/sites/test_regional_file.py -s` and recorded in docs/sites-mapping.md."""

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from rapidfuzz import fuzz

from cnum.sites.importers import base, csv_auto, mapping
from cnum.sites.importers.repair import DAMAGED
from cnum.sites.importers.sniffing import sniff
from cnum.territories.lookup import normalize_insee, normalize_name, normalize_postal_code
from cnum.territories.models import Commune, PostalCode

pytestmark = pytest.mark.usefixtures("cog")
REGIONAL_FILE = Path(__file__).parent / "data" / "paca-regionsud-2022.csv"
SOURCE = "region-sud"


@dataclass
class Measure:
    """What the import makes of each row of the file, against what the row says."""

    rows: int = 0
    kept: int = 0
    placed: int = 0  # in the commune its INSEE code designates, else in one its postal code serves
    misplaced: list = field(default_factory=list)
    numbered: int = 0
    numbers_kept: int = 0
    typed: int = 0
    types_mapped: int = 0
    repairs: int = 0
    still_damaged: int = 0
    rejected: list = field(default_factory=list)
    damaged_lines: set = field(default_factory=set)
    undecided: list = field(default_factory=list)

    def lines(self) -> list[str]:
        def share(part, whole):
            return f"{part}/{whole} ({100 * part / whole:.1f} %)"

        return [
            f"rows kept: {share(self.kept, self.rows)}",
            f"rows placed in the right commune: {share(self.placed, self.rows)}",
            f"street numbers kept: {share(self.numbers_kept, self.numbered)}",
            f"types mapped: {share(self.types_mapped, self.typed)}",
            f"rows with damaged text left: {share(self.still_damaged, self.rows)}; repairs: {self.repairs}",
            *(f"rejected line {line}: {reason}" for line, reason in self.rejected),
            *(f"damaged line {line}: {reason}" for line, reason in self.undecided),
            *(f"misplaced line {line}: {detail}" for line, detail in self.misplaced),
        ]


def _served(postal_codes: set[str]) -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    for code, commune, parent in PostalCode.objects.filter(code__in=postal_codes).values_list(
        "code", "commune__code", "commune__parent__code"
    ):
        served.setdefault(code, set()).update(filter(None, (commune, parent)))
    return served


def _compact(name: str) -> str:
    return re.sub(r"^(LE|LA|LES|L) ", "", normalize_name(name)).replace(" ", "")


def _right_commune(given: dict, found: set, name: str, served: dict) -> bool:
    """Checked against the row alone: its INSEE code when it gives one; else a commune of the postal code's
    département (CEDEX codes serve no commune) whose name is the row's commune name — each lost character "�"
    standing for up to two letters, articles, spaces and hyphens aside, a longer official name ("CORBIÈRES" →
    Corbières-en-Provence), a locality after the name ("LE LUC-EN-PROVENCE" → Le Luc), or a name at least 85 % alike
    ("SAINTE-MARIE-DE-LA-MER"). A locality of another name (Les Milles, in Aix-en-Provence) cannot be checked from
    the row and counts as not placed."""
    insee = normalize_insee(given["adresse_code_insee"])
    if insee:
        return insee in found
    postal_code = normalize_postal_code(given["adresse_code_postal"]) or ""
    if not any(code and code[:2] == postal_code[:2] for code in found):
        return False
    written, official = _compact(given["adresse_commune"].replace(DAMAGED, "9")), _compact(name)
    pattern = re.escape(written).replace("9", "[A-Z]{0,2}")
    return bool(
        re.fullmatch(pattern, official)
        or re.match(pattern, official)
        or written.startswith(official)
        or fuzz.ratio(written, official) >= 85
    )


def measure(path: Path = REGIONAL_FILE) -> Measure:
    """Each row cleaned as the import cleans it (csv_auto's own steps, nothing written), then compared with the
    row's own INSEE code, postal code, street number and site type."""
    sniffed = sniff(path)
    chosen = mapping.choose(sniffed.header, rows=sniffed.rows, source="")
    report = csv_auto.CsvAutoReport(format=csv_auto.FORMAT, dry_run=True, source=SOURCE)
    kept = csv_auto._check_rows(sniffed, chosen.columns, report, source=SOURCE, progress=base.no_progress, decided={})
    cells = {line: dict(zip(sniffed.header, row, strict=False)) for line, row in sniffed.rows if isinstance(row, list)}
    result = Measure(rows=len(sniffed.rows), kept=len(kept), repairs=report.repairs)
    result.still_damaged = report.still_damaged
    result.rejected = [(problem.line, problem.reason) for problem in report.rejected]
    result.damaged_lines = {row.line for row in kept if any("caractère illisible" in note for note in row.review)}
    result.undecided = [
        (problem.line, problem.reason)
        for problem in report.normalised
        if problem.line in result.damaged_lines and "\ufffd" in problem.reason and "non restauré" in problem.reason
    ]
    served = _served({normalize_postal_code(row["adresse_code_postal"]) or "" for row in cells.values()})
    communes = {pk: (code, name) for pk, code, name in Commune.objects.values_list("pk", "code", "name")}
    parents = dict(Commune.objects.exclude(parent=None).values_list("pk", "parent__code"))
    for row in kept:
        given = cells[row.line]
        code, name = communes[row.values["commune_id"]]
        found = {code, parents.get(row.values["commune_id"])}
        if _right_commune(given, found, name, served):
            result.placed += 1
        else:
            result.misplaced.append((row.line, f"{given['adresse_commune']} {given['adresse_code_postal']} → {name}"))
        if given["adresse_numero"].strip():
            result.numbered += 1
            result.numbers_kept += row.values["address"].startswith(given["adresse_numero"].strip())
        if given["type_lieu"].strip():
            result.typed += 1
            result.types_mapped += bool(row.values["typology"])
    return result


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker, cog_first_load):
    with django_db_blocker.unblock():
        result = measure()
    print("\n".join(result.lines()))
    return result


def test_the_whole_regional_file_is_placed_numbered_and_typed_as_the_issue_requires(measured):
    assert measured.placed / measured.rows >= 0.97
    assert measured.numbers_kept == measured.numbered
    assert measured.types_mapped / measured.typed >= 0.99


def test_nothing_is_guessed_in_the_rows_left_damaged(measured):
    """Every row left with a lost character says so in its report, and its words fit no word or several."""
    assert measured.damaged_lines
    assert measured.damaged_lines <= {line for line, _reason in measured.undecided}


@pytest.mark.xfail(
    strict=True,
    reason="Not met: rows keep a lost character in street and place names that no lexicon shipped with cnum knows "
    "(docs/sites-mapping.md, « Le fichier régional entier »).",
)
def test_at_most_one_percent_of_the_rows_keep_damaged_text(measured):
    assert measured.still_damaged / measured.rows <= 0.01


def test_the_whole_regional_file_goes_in_through_the_command_without_a_mapping():
    out = io.StringIO()
    call_command("import_sites", "--format", "csv-auto", str(REGIONAL_FILE), "--source", SOURCE, stdout=out)
    result = measure()
    assert f"{result.rows} lignes lues" in out.getvalue()
    assert "Texte abîmé" in out.getvalue()
