"""The streaming pipeline every activity importer shares: read a row, check it whole, write in batches.

Memory stays bounded: rows are read one at a time (importers.reading) and written by batches of BATCH_SIZE
activities with their anonymous beneficiaries and accompaniments (bulk_create); only the source ids already seen are
kept, to reject duplicates within the file. Everything runs in one transaction: by default (atomic), if any row is
rejected the transaction is rolled back at the end and every rejected row is reported; with allow_partial the valid
rows are kept. Idempotent by (source, source_id): a row whose id was imported before is counted unchanged and left as
it is; when the file says something else than what is recorded, a warning names the fields that differ (nothing is
changed silently, nothing is ignored silently).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Count

from cnum.activities.importers.reading import iter_rows
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.activities.signals import tracking
from cnum.activities.validation import validate_activity
from cnum.core import audit
from cnum.core.imports import ImportReport
from cnum.sites.importers.files import UnreadableFile

BATCH_SIZE = 2_000
#: What a re-imported row is compared with: every field the importers fill (not the keys nor the bookkeeping).
COMPARED_FIELDS = [
    model_field
    for model_field in Activity._meta.concrete_fields
    if model_field.attname not in ("id", "source", "source_id", "created_by_id", "created_at", "updated_at")
]
COMPARED = [model_field.attname for model_field in COMPARED_FIELDS]


class RowRejected(Exception):
    """The row cannot be imported; the message (French) lists every problem found."""

    def __init__(self, reasons: list[str], value: str = ""):
        super().__init__(" ; ".join(reasons))
        self.value = value


class RowProblems(list):
    """The French reasons collected while parsing one row; `attempt` runs a parser and records its failure."""

    def attempt(self, function, *args, default=None):
        try:
            return function(*args)
        except (ValueError, RowRejected) as error:
            self.append(str(error))
            return default


@dataclass
class Draft:
    """One activity ready to write: unsaved objects, the accompaniments pointing at their beneficiary by position."""

    line: int
    activity: Activity
    people: list[tuple[Beneficiary, Accompaniment]] = field(default_factory=list)


@dataclass
class ActivityImportReport(ImportReport):
    rolled_back: bool = False  # atomic mode with rejected rows: nothing was written
    batches: int = 0


class BatchWriter:
    def __init__(self, *, source: str, report: ActivityImportReport, batch_size: int = BATCH_SIZE):
        self.source, self.report, self.batch_size = source, report, batch_size
        self.pending: list[Draft] = []
        self.write = True

    def add(self, draft: Draft) -> None:
        self.pending.append(draft)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        drafts, self.pending = self.pending, []
        if not drafts:
            return
        existing = self._recorded([draft.activity.source_id for draft in drafts])
        for draft in drafts:
            if draft.activity.source_id in existing:
                self._compare(draft, existing[draft.activity.source_id])
        new = [draft for draft in drafts if draft.activity.source_id not in existing]
        self.report.unchanged += len(drafts) - len(new)
        self.report.created += len(new)
        if self.write and new:
            self._write(new)

    def _recorded(self, source_ids: list[str]) -> dict[str, dict]:
        """The activities of this source already recorded under these ids: compared fields and number of people."""
        rows = Activity.objects.filter(source=self.source, source_id__in=source_ids).order_by()
        recorded = {row["source_id"]: row for row in rows.values("pk", "source_id", *COMPARED)}
        if recorded:
            people = Accompaniment.objects.filter(activity_id__in=[row["pk"] for row in recorded.values()]).order_by()
            counts = dict(people.values("activity_id").annotate(n=Count("pk")).values_list("activity_id", "n"))
            for row in recorded.values():
                row["people"] = counts.get(row["pk"], 0)
        return recorded

    def _compare(self, draft: Draft, recorded: dict) -> None:
        differences = []
        for model_field in COMPARED_FIELDS:
            given, stored = getattr(draft.activity, model_field.attname), recorded[model_field.attname]
            if isinstance(given, list) and isinstance(stored, list):  # themes, equipment…: order does not matter
                given, stored = sorted(map(str, given)), sorted(map(str, stored))
            if given != stored:
                differences.append(str(model_field.verbose_name))
        if len(draft.people) != recorded["people"]:
            differences.append("personnes accompagnées")
        if differences:
            self.report.warn(
                draft.line,
                f"Activité déjà importée (identifiant « {draft.activity.source_id} ») : la ligne diffère de ce qui "
                f"est enregistré ({', '.join(differences)}). L'activité reste telle qu'enregistrée ; pour la "
                "remplacer, supprimez-la dans cnum puis importez de nouveau la ligne.",
                draft.activity.source_id,
            )

    def _write(self, drafts: list[Draft]) -> None:
        self.report.batches += 1
        # New activities of new anonymous people: nothing existing to declare before the write.
        with tracking() as change:
            activities = self._create(drafts)
            change.add(activity_ids=[activity.pk for activity in activities])

    def _create(self, drafts: list[Draft]) -> list[Activity]:
        activities = Activity.objects.bulk_create([draft.activity for draft in drafts])
        people = [
            (activity, person) for activity, draft in zip(activities, drafts, strict=True) for person in draft.people
        ]
        beneficiaries = Beneficiary.objects.bulk_create([beneficiary for _, (beneficiary, _) in people])
        accompaniments = []
        for (activity, (_, accompaniment)), beneficiary in zip(people, beneficiaries, strict=True):
            accompaniment.activity_id, accompaniment.beneficiary_id = activity.pk, beneficiary.pk
            accompaniments.append(accompaniment)
        Accompaniment.objects.bulk_create(accompaniments)
        return activities


RowParser = Callable[[int, list[str]], Draft]


def checked_activity(values: dict, *, followed_participants: int = 0) -> Activity:
    """The unsaved Activity of `values` (model field names), or RowRejected with the national rules' messages
    (cnum.activities.validation, the same rules as the recording form and the API)."""
    data = {**values, "site": values.get("site_id"), "commune": values.get("commune_id")}
    errors = validate_activity({**data, "followed_participants": followed_participants})
    if errors:
        raise RowRejected([message for messages in errors.values() for message in messages])
    return Activity(**values)


def run_pipeline(
    *,
    path: Path,
    source: str,
    make_parser: Callable[[list[str], ActivityImportReport], RowParser],
    dry_run: bool,
    allow_partial: bool = False,
    progress: Callable | None = None,
    batch_size: int = BATCH_SIZE,
) -> ActivityImportReport:
    """Read, check and write the rows of `path`; see the module docstring for atomicity and idempotency."""
    report = ActivityImportReport(format=source, dry_run=dry_run)
    try:
        rows = iter_rows(Path(path))
        _, header = next(rows, (1, []))
        if not header:
            raise UnreadableFile("Fichier vide : une ligne d'en-tête est attendue.")
        parse = make_parser(header, report)
    except UnreadableFile as error:
        return _refuse(report, str(error))
    with transaction.atomic():
        writer = BatchWriter(source=source, report=report, batch_size=batch_size)
        _consume(rows, parse, writer, report, allow_partial, progress)
        writer.flush()
        report.rolled_back = bool(report.fatal or (report.rejected and not allow_partial))
        if report.rolled_back or dry_run:
            transaction.set_rollback(True)
        elif report.created:
            audit.record_bulk(
                Activity,
                summary={"source": source, "created": report.created, "unchanged": report.unchanged},
                description=f"Import {source} {Path(path).name}",
            )
    if report.rolled_back:
        report.created = 0
        report.warn(
            1,
            f"Import annulé, rien n'a été enregistré : {len(report.rejected)} ligne(s) rejetée(s). Corrigez-les, "
            "ou importez les seules lignes valides.",
        )
    return report


def _consume(rows: Iterable, parse: RowParser, writer: BatchWriter, report, allow_partial, progress) -> None:
    iterator, seen = iter(rows), {}
    bar = progress(total=None, desc="Activités") if progress else None
    while True:
        try:
            line, cells = next(iterator)
        except StopIteration:
            break
        except UnreadableFile as error:
            report.fatal = str(error)
            report.reject(report.total + 2, f"Fichier refusé, rien n'a été enregistré : {error}")
            break
        report.total += 1
        if bar is not None:
            bar.update(1)
        try:
            draft = parse(line, cells)
            first = seen.setdefault(draft.activity.source_id, line)
            if first != line:
                raise RowRejected([f"Doublon de la ligne {first} (même id)."], draft.activity.source_id)
            writer.add(draft)
        except RowRejected as error:
            report.reject(line, str(error), error.value)
            # Atomic mode: nothing will be kept, so stop writing and only check the remaining rows.
            writer.write = writer.write and allow_partial
    if bar is not None:
        bar.close()


def _refuse(report: ActivityImportReport, reason: str) -> ActivityImportReport:
    report.fatal = reason
    report.rolled_back = True
    report.reject(1, f"Fichier refusé, rien n'a été enregistré : {reason}")
    return report
