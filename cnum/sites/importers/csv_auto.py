"""Import format "csv-auto": any third-party CSV list of sites (a region's, a network's…), its shape detected.

The encoding, separator and column mapping are detected and reported (importers.sniffing, importers.mapping), each
row is normalised (importers.cleaning), then rows are routed (docs/sites-mapping.md, "Fichiers tiers"):
- a row of a site this source already gave (same source id, or same name and commune without id) updates it;
- a row of a site merged earlier from this source updates only this source's provenance record;
- a row that looks like a site of another source (cnum.sites.dedup) is proposed as a duplicate for review, not
  created — or refreshes the pending proposal of the same row;
- any other row creates a site.
Everything happens in one transaction, or nothing with `dry_run`; the mapping used is then saved for the source.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cnum.core.imports import ImportReport, RowProblem, plural
from cnum.sites.dedup import DuplicateFinder
from cnum.sites.importers import base, cleaning, mapping
from cnum.sites.importers.files import UnreadableFile
from cnum.sites.importers.lieux_v1 import FIELDS as V1_FIELDS
from cnum.sites.importers.repair import Lexicon
from cnum.sites.importers.sniffing import sniff
from cnum.sites.importers.vocabularies import HOW, shown
from cnum.sites.models import SiteDuplicateCandidate, SiteSource

FORMAT = "csv-auto"
DEFAULT_SOURCE = "fichier-tiers"
FIELDS = (*V1_FIELDS, "review_notes")


@dataclass
class CsvAutoReport(ImportReport):
    """The shared report, plus what was detected about the file and what each row had normalised."""

    source: str = ""
    file_notes: list[str] = field(default_factory=list)
    normalised: list[RowProblem] = field(default_factory=list)
    duplicates: int = 0
    repairs: int = 0  # damaged text repaired
    still_damaged: int = 0  # rows whose text keeps a lost character
    columns: dict = field(default_factory=dict)
    mapping_saved: bool = False
    # {schema column: {text in the file: {"value", "how", "rows"}}}: each distinct value in words, for review
    vocabulary: dict = field(default_factory=dict)

    def count_matches(self, matches) -> None:
        for found in matches:
            entry = self.vocabulary.setdefault(found.column, {}).setdefault(
                found.item, {"value": found.value, "how": found.how, "rows": 0, "candidates": list(found.candidates)}
            )
            entry["rows"] += 1

    def vocabulary_lines(self) -> list[str]:
        """One line per list: its distinct values and what they became; then the unmatched ones."""
        lines, unmatched = [], []
        for column, items in self.vocabulary.items():
            listed = [
                f"« {item} » → {shown(entry['value'])} "
                f"({HOW[entry['how']]}, {plural(entry['rows'], 'ligne', 'lignes')})"
                for item, entry in items.items()
                if entry["how"] != "exact"
            ]
            unmatched += [
                f"{column} « {item} »"
                for item, entry in items.items()
                if not entry["value"] and entry["how"] not in ("choisi", "tout_public")
            ]
            if listed:
                lines.append(f"Valeurs en toutes lettres de « {column} » : {' ; '.join(listed)}.")
        if unmatched:
            lines.append(f"Valeurs non reconnues, non reprises : {', '.join(unmatched)}.")
        return lines

    def decisions(self) -> dict:
        """What to remember for the source: each distinct text and the value it became (or None when chosen so)."""
        return {
            column: {
                item: entry["value"] for item, entry in items.items() if entry["value"] or entry["how"] == "choisi"
            }
            for column, items in self.vocabulary.items()
        }

    def note(self, line: int, reason: str, value: str = "") -> None:
        self.normalised.append(RowProblem(line=line, reason=reason, value=str(value)[:200]))

    @property
    def figures(self) -> list[tuple[str, int]]:
        return [
            *super().figures,
            ("doublons proposés", self.duplicates),
            ("normalisations", len(self.normalised)),
            ("textes réparés", self.repairs),
            ("lignes au texte encore abîmé", self.still_damaged),
        ]

    def summary(self) -> str:
        text = super().summary()
        if self.duplicates:
            text += (
                f" {plural(self.duplicates, 'doublon possible proposé', 'doublons possibles proposés')} à l'examen."
            )
        return f"{' '.join(self.file_notes[:1])} {text}".strip()

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "source": self.source,
            "file_notes": self.file_notes,
            "normalised": [vars(problem) for problem in self.normalised],
            "duplicates": self.duplicates,
            "columns": self.columns,
            "vocabulary": self.vocabulary,
        }


def _jsonable(values: dict) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in values.items()
        if name != "structure_id"
    }


def _name_key(values: dict) -> tuple:
    return base.name_key(values)


@dataclass
class _Known:
    """What this source already left in the database: provenance records and pending proposals."""

    provenance: dict = field(default_factory=dict)  # (source_id,) or name key → SiteSource of another site's source
    pending: dict = field(default_factory=dict)  # same keys → pending SiteDuplicateCandidate

    @classmethod
    def load(cls, source: str) -> "_Known":
        known = cls()
        records = SiteSource.objects.filter(source=source).exclude(site__source=source).select_related("site")
        for record in records:
            known.provenance[_key(source, record.source_id, record.fields, record.site.commune_id)] = record
        for candidate in SiteDuplicateCandidate.objects.pending().filter(source=source):
            proposed = candidate.proposed
            known.pending[_key(source, candidate.source_id, proposed, proposed.get("commune_id"))] = candidate
        return known


def _key(source: str, source_id: str, values: dict, commune_id) -> tuple:
    if source_id:
        return ("id", source_id)
    return ("name", *_name_key({"source": source, "name": values.get("name", ""), "commune_id": commune_id}))


def _route(rows: list[cleaning.AutoRow], report: CsvAutoReport, *, source: str, dry_run: bool) -> list:
    """The rows to create or update; the others recorded as provenance or proposed as duplicates (see module)."""
    known, finder, now = _Known.load(source), DuplicateFinder(source=source), timezone.now()
    own_ids = set(base.Site.objects.filter(source=source).exclude(source_id="").values_list("source_id", flat=True))
    own_names = {base.name_key(vars(site)) for site in base.Site.objects.filter(source=source, source_id="")}
    kept = []
    for row in rows:
        values, key = row.values, _key(source, row.values["source_id"], row.values, row.values["commune_id"])
        if values["source_id"] in own_ids or (not values["source_id"] and base.name_key(values) in own_names):
            kept.append(row)
        elif key in known.provenance:
            _refresh_provenance(row, known.provenance[key], report, dry_run=dry_run, now=now)
        elif key in known.pending:
            report.duplicates += 1
            candidate = known.pending[key]
            report.note(
                row.line, f"Doublon possible de « {candidate.site.name} » déjà proposé : proposition mise à jour."
            )
            if not dry_run and candidate.proposed != _jsonable(values):
                candidate.proposed = _jsonable(values)
                candidate.save(update_fields=["proposed"])
        elif (match := finder.best(values)) is not None:
            report.duplicates += 1
            reasons = ", ".join(match.reasons)
            report.note(
                row.line,
                f"Doublon possible de « {match.site.name} » (source {match.site.source}, n° {match.site.pk}) : "
                f"{reasons}. Proposé à l'examen, non créé.",
                values["name"],
            )
            if not dry_run:
                SiteDuplicateCandidate.objects.create(
                    site=match.site,
                    source=source,
                    source_id=values["source_id"],
                    proposed=_jsonable(values),
                    score=match.score,
                    reasons=list(match.reasons),
                )
        else:
            kept.append(row)
    return kept


def _refresh_provenance(row, record: SiteSource, report: CsvAutoReport, *, dry_run: bool, now) -> None:
    given = base.provided(row.values, FIELDS)
    if record.fields == given:
        report.unchanged += 1
        return
    report.updated += 1
    report.note(row.line, f"Lieu fusionné « {record.site.name} » : valeurs de la source mises à jour (provenance).")
    if not dry_run:
        record.fields, record.updated_at = given, now
        record.save(update_fields=["fields", "updated_at"])


def _check_rows(sniffed, columns: dict, report: CsvAutoReport, *, source: str, progress, decided: dict) -> list:
    places, rows = base.place_index(), []
    lexicon = Lexicon.of(cell for _line, cells in sniffed.rows if not isinstance(cells, str) for cell in cells)
    for line, cells in progress(sniffed.rows, total=len(sniffed.rows), desc="Lieux"):
        report.total += 1
        if isinstance(cells, str):
            report.reject(line, cells)
            continue
        record = mapping.record(columns, cells)
        row = cleaning.AutoRow(line=line)
        kept = base.collect(
            report,
            row,
            lambda row, record=record: cleaning.build(
                row, record, places=places, source=source, decided=decided, lexicon=lexicon
            ),
        )
        report.count_matches(row.matches)
        report.repairs += row.repairs
        report.still_damaged += any("caractère illisible" in reason for reason in row.review)
        for reason, value in row.notes:
            report.note(line, reason, value)
        if kept is not None:
            rows.append(kept)
    return rows


def _in_territory(rows: list, report: CsvAutoReport, departements) -> list:
    """The rows located in `departements` (all with None). A row elsewhere is rejected with its reason rather than
    left out silently, so the person importing sees every row that was not taken and why."""
    if departements is None:
        return rows
    kept, allowed = [], ", ".join(sorted(departements))
    for row in rows:
        code = row.values.get("departement_id")
        if code in departements:
            kept.append(row)
        else:
            report.reject(
                row.line,
                f"Lieu hors de votre territoire (département {code}) : seuls les lieux de vos départements "
                f"({allowed}) sont importés.",
                row.values.get("commune_name", ""),
            )
    report.rejected.sort(key=lambda problem: problem.line)
    return kept


def run(
    *,
    path: Path,
    dry_run: bool,
    progress=base.no_progress,
    mapping_file=None,
    columns=None,
    values=None,
    source="",
    departements=None,
    **options,
):
    """Import a third-party CSV. `columns` ({column: schema column | None}) or `mapping_file` (the same in JSON)
    correct the guessed mapping, and `values` ({schema column: {text: value | None}}, or the mapping file's
    "valeurs") the matching of values in words; `source` names the file's source, whose mapping and values are
    then saved and reused. `departements` (codes) limits the import to the sites located there: a hub's territory.
    """
    report = CsvAutoReport(format=FORMAT, dry_run=dry_run, source=source or DEFAULT_SOURCE)
    try:
        sniffed = sniff(path)
        given = columns
        if mapping_file:
            given, values = mapping.read_mapping_file(mapping_file)
    except UnreadableFile as error:
        report.reject(1, str(error))
        return report
    chosen = mapping.choose(sniffed.header, rows=sniffed.rows, given=given, source=source)
    report.columns = chosen.columns
    report.file_notes = [sniffed.description(), *chosen.lines()]
    if not source:
        report.file_notes.append(f"Aucune source indiquée : les lieux sont enregistrés sous « {DEFAULT_SOURCE} ».")
    problems = [*mapping.problems(chosen.columns), *chosen.missing]
    for problem in problems:
        report.reject(1, f"Correspondance des colonnes : {problem}")
    if problems:
        return report
    decided = {**mapping.saved_vocabulary(source), **(values or {})}
    rows = _check_rows(sniffed, chosen.columns, report, source=report.source, progress=progress, decided=decided)
    rows = _in_territory(rows, report, departements)
    report.file_notes.extend(report.vocabulary_lines())
    if report.repairs or report.still_damaged:
        report.file_notes.append(
            f"Texte abîmé : {plural(report.repairs, 'réparation', 'réparations')} (détail ligne par ligne : -v 2) ; "
            f"{plural(report.still_damaged, 'ligne garde', 'lignes gardent')} un caractère illisible, à vérifier."
        )
    with transaction.atomic():
        kept = _route(rows, report, source=report.source, dry_run=dry_run)
        counted = (report.updated, report.unchanged)
        base.apply_rows(
            kept,
            report=report,
            fields=FIELDS,
            dry_run=dry_run,
            path=path,
            match_across_sources=False,
            match_names=True,
        )
        report.updated += counted[0]
        report.unchanged += counted[1]
        if source and not dry_run:
            mapping.save(source, chosen.columns, report.decisions())
            report.mapping_saved = True
            report.file_notes.append(
                f"Correspondance enregistrée pour la source « {source} » : reprise au prochain import."
            )
    return report
