"""The streaming pipeline every activity importer shares: read rows, parse them, check and write them by batches.

Memory stays bounded: rows are read one at a time (importers.reading) and handed to the parser a batch of BATCH_SIZE
at a time when it reads by columns (`parse_batch`: cnum-csv and xlsx), else one at a time (cnfs-v1-csv: Drafts,
gathered into a batch). A Batch holds the rows' values by columns: it is checked with the national rules by columns
(cnum.activities.validation.validate_columns: the rules of the form and the API, each evaluated once per distinct
combination of values in the batch), and written with its anonymous beneficiaries and accompaniments by the raw
writer (cnum.core.bulk: ids reserved, COPY on PostgreSQL with the references checked once per batch where the role
may, INSERTs of many rows on SQLite), which announces them to the statistics by columns (`activities_appended`); only
the source ids already seen are kept, to reject duplicates within the file. The writes run on a thread of their own
(`background_writes`), on the load's connection and in its transaction, while this one counts the statistics of the
batch and reads the next; its queries wait for the write in flight, whose error is raised here. Everything runs in
one transaction: by default (atomic), if any row is rejected the transaction is rolled back at the end and every
rejected row is reported; with allow_partial the valid rows are kept. Idempotent by (source, source_id): a row whose
id was imported before is counted unchanged and left as it is; when the file says something else than what is
recorded, a warning names the fields that differ (nothing is changed silently, nothing is ignored silently).
"""

import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cnum.activities.importers.reading import estimated_rows, iter_rows
from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.activities.signals import HISTORY, activities_appended
from cnum.activities.validation import RULES, validate_columns
from cnum.core import audit
from cnum.core.bulk import (
    ANALYZE_AFTER,
    SET_ASIDE_FROM,
    BackgroundWrites,
    IdDraws,
    RowPlan,
    analyze,
    background_writes,
    checked_writes,
    fewer_collections,
    id_draws,
    indexes_set_aside,
    load_cache,
    reserve_ids,
)
from cnum.core.imports import ImportReport
from cnum.sites.importers.files import UnreadableFile

BATCH_SIZE = 2_000
#: The tables a load writes, and the indexes of theirs its own queries read (the advisors' past activities, by
#: cnum.stats.appends): kept while a large load sets the others aside (cnum.core.bulk.indexes_set_aside).
WRITTEN = (Activity, Beneficiary, Accompaniment)
READ_BY_THE_LOAD = tuple(index.name for index in Activity._meta.indexes if index.fields == ["advisor", "-date"])
#: The progress bar moves by this many rows (a call per row would cost more than reading the row).
PROGRESS_STEP = 1_000
#: What a re-imported row is compared with: every field the importers fill (not the keys nor the bookkeeping).
COMPARED_FIELDS = [
    model_field
    for model_field in Activity._meta.concrete_fields
    if model_field.attname not in ("id", "source", "source_id", "created_by_id", "created_at", "updated_at")
]
COMPARED = [model_field.attname for model_field in COMPARED_FIELDS]


def _defaults(model) -> dict:
    """What an instance built with only some fields holds in the others (the dates set on save left out)."""
    return {
        model_field.attname: model_field.get_default()
        for model_field in model._meta.concrete_fields
        if not (getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False))
    }


DEFAULTS = _defaults(Activity)
#: A person's fields: those of their Beneficiary and of their Accompaniment (no name in common but the keys).
PERSON_DEFAULTS = {
    name: default
    for name, default in (_defaults(Beneficiary) | _defaults(Accompaniment)).items()
    if name not in ("id", "activity_id", "beneficiary_id")
}


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
    """One activity parsed, not yet checked: its Activity fields (attnames), and for each anonymous person the
    fields of their Beneficiary and of their Accompaniment."""

    line: int
    values: dict
    people: list[tuple[dict, dict]] = field(default_factory=list)

    @property
    def source_id(self) -> str:
        return self.values["source_id"]


class Batch:
    """Rows parsed, not yet checked, by columns: `values`, the Activity fields (attnames) the parser gives, each a
    column over the rows (a field left out takes its default when written); `people`, the Beneficiary and
    Accompaniment fields of the rows' anonymous people by columns, with `row`, the index of each one's activity."""

    def __init__(self, lines: list[int], values: dict[str, list], people: dict[str, list] | None = None):
        self.lines, self.values = lines, values
        self.people = people or {"row": []}

    def __len__(self) -> int:
        return len(self.lines)

    @classmethod
    def of(cls, drafts: list[Draft]) -> "Batch":
        persons = [
            {**beneficiary, **accompaniment, "row": index}
            for index, draft in enumerate(drafts)
            for beneficiary, accompaniment in draft.people
        ]
        values = _columns([draft.values for draft in drafts], DEFAULTS)
        return cls([draft.line for draft in drafts], values, _columns(persons, PERSON_DEFAULTS) if persons else None)

    def select(self, kept: list[int]) -> "Batch":
        """The batch of the rows `kept` (indexes, in order)."""
        if len(kept) == len(self):
            return self
        values = {name: [column[index] for index in kept] for name, column in self.values.items()}
        position = {index: new for new, index in enumerate(kept)}
        persons = [index for index, row in enumerate(self.people["row"]) if row in position]
        people = {name: [column[index] for index in persons] for name, column in self.people.items()}
        people["row"] = [position[row] for row in people["row"]]
        return Batch([self.lines[index] for index in kept], values, people)

    def row(self, index: int) -> dict:
        return {name: column[index] for name, column in self.values.items()}

    def full(self, defaults: dict, columns: dict[str, list], count: int) -> dict[str, list]:
        """`columns` completed with a column of the default of each field of `defaults` they leave out."""
        return {**{name: [default] * count for name, default in defaults.items() if name not in columns}, **columns}


@dataclass
class ActivityImportReport(ImportReport):
    rolled_back: bool = False  # atomic mode with rejected rows: nothing was written
    batches: int = 0


class BatchWriter:
    def __init__(
        self,
        *,
        source: str,
        report: ActivityImportReport,
        batch_size: int = BATCH_SIZE,
        background: BackgroundWrites | None = None,
        ids: IdDraws | None = None,
    ):
        self.source, self.report, self.batch_size = source, report, batch_size
        #: Where the rows are written: a thread beside this one (`background_writes`), or this one.
        self.background = background
        self.reserve = ids.reserve if ids is not None else reserve_ids
        #: The references found and locked by this load's writes (`checked_writes`), for its transaction.
        self.held: dict = {}
        self.write = True
        now = timezone.now()
        self.plans = {model: RowPlan(model, now) for model in WRITTEN}
        #: Kept for the whole file by the listeners of `activities_appended`.
        self.state: dict = {}
        #: Whether this source has any row recorded before this file: if not, no batch needs looking up (the
        #: file's own repeats are rejected by the Checker; a row slipping in meanwhile would meet the unique index).
        self.known = Activity.objects.filter(source=source).exclude(source_id="").exists()

    def add(self, batch: Batch) -> None:
        """Write the rows of a checked batch that are not recorded yet; compare the others with what is."""
        source_ids = batch.values["source_id"]
        existing = self._recorded(source_ids) if self.known else {}
        new = list(range(len(batch)))
        if existing:
            people = Counter(batch.people["row"])
            for index, source_id in enumerate(source_ids):
                if source_id in existing:
                    self._compare(batch.lines[index], batch.row(index), people[index], existing[source_id])
            new = [index for index, source_id in enumerate(source_ids) if source_id not in existing]
        self.report.unchanged += len(batch) - len(new)
        self.report.created += len(new)
        if self.write and new:
            self._write(batch.select(new))

    def close(self, *, discarded: bool) -> None:
        """End the load for the listeners of `activities_appended` (`discarded`: its transaction will be rolled
        back)."""
        if self.report.created >= ANALYZE_AFTER and not discarded:
            analyze(Activity, Beneficiary, Accompaniment)
        if set(self.state) - {HISTORY}:  # a listener followed the load
            activities_appended.send(
                sender=Activity, activities={}, people={}, state=self.state, final=True, discarded=discarded
            )

    def _recorded(self, source_ids: list[str]) -> dict[str, dict]:
        """The activities of this source already recorded under these ids: compared fields and number of people."""
        # Named as the unique index's condition, without which SQLite scans the whole table for each batch.
        rows = Activity.objects.filter(source=self.source, source_id__in=source_ids).exclude(source_id="").order_by()
        recorded = {row["source_id"]: row for row in rows.values("pk", "source_id", *COMPARED)}
        if recorded:
            people = Accompaniment.objects.filter(activity_id__in=[row["pk"] for row in recorded.values()]).order_by()
            counts = dict(people.values("activity_id").annotate(n=Count("pk")).values_list("activity_id", "n"))
            for row in recorded.values():
                row["people"] = counts.get(row["pk"], 0)
        return recorded

    def _compare(self, line: int, values: dict, people: int, recorded: dict) -> None:
        differences = []
        for model_field in COMPARED_FIELDS:
            name = model_field.attname
            given, stored = values.get(name, DEFAULTS[name]), recorded[name]
            if isinstance(given, list) and isinstance(stored, list):  # themes, equipment…: order does not matter
                given, stored = sorted(map(str, given)), sorted(map(str, stored))
            if given != stored:
                differences.append(str(model_field.verbose_name))
        if people != recorded["people"]:
            differences.append("personnes accompagnées")
        if differences:
            source_id = values["source_id"]
            self.report.warn(
                line,
                f"Activité déjà importée (identifiant « {source_id} ») : la ligne diffère de ce qui "
                f"est enregistré ({', '.join(differences)}). L'activité reste telle qu'enregistrée ; pour la "
                "remplacer, supprimez-la dans cnum puis importez de nouveau la ligne.",
                source_id,
            )

    def _write(self, batch: Batch) -> None:
        """Write the new activities and their people with ids of their own, by columns, then announce them: raw SQL
        bypasses the write gateway (docs/adr/0006), so the statistics learn of them from `activities_appended`."""
        self.report.batches += 1
        count, persons = len(batch), len(batch.people["row"])
        activities = batch.full(DEFAULTS, batch.values, count)
        activities["id"] = activity_ids = self.reserve(Activity, count)
        people = batch.full(PERSON_DEFAULTS, batch.people, persons)
        people["activity_id"] = [activity_ids[row] for row in batch.people["row"]]
        beneficiaries = {**people, "id": self.reserve(Beneficiary, persons)}
        accompaniments = {**people, "id": self.reserve(Accompaniment, persons), "beneficiary_id": beneficiaries["id"]}
        tables = [
            (model, self.plans[model], columns, rows)
            for model, columns, rows in (
                (Activity, activities, count),
                (Beneficiary, beneficiaries, persons),
                (Accompaniment, accompaniments, persons),
            )
            if rows
        ]
        written = {Activity: activity_ids, Beneficiary: beneficiaries["id"]}
        job = checked_writes(tables, own=(Activity, Beneficiary), written=written, held=self.held)
        if self.background is None:
            job()
        else:  # written while the statistics are counted and the next batch is read (their queries wait for it)
            self.background.submit(job)
        activities_appended.send(sender=Activity, activities=activities, people=people, state=self.state)


def _columns(rows: list[dict], defaults: dict) -> dict[str, list]:
    """The columns of `rows` (dicts of field values): every field any of them gives, `defaults` for the rows that
    leave it out."""
    columns = {}
    for name in set().union(*rows):
        try:
            columns[name] = list(map(operator.itemgetter(name), rows))
        except KeyError:
            default = defaults.get(name)
            columns[name] = [row.get(name, default) for row in rows]
    return columns


RowParser = Callable[[int, list[str]], Draft]


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
    expected = estimated_rows(path)
    with (
        load_cache(),
        fewer_collections(),
        id_draws() as ids,
        transaction.atomic(),
        indexes_set_aside(WRITTEN, rows=expected, keep=READ_BY_THE_LOAD),
        background_writes() as background,
    ):
        writer = BatchWriter(source=source, report=report, batch_size=batch_size, background=background, ids=ids)
        if _history(expected):
            writer.state[HISTORY] = True
        bar = progress(total=expected, desc="Activités") if progress else None
        _consume(rows, parse, Checker(writer, report, allow_partial), report, bar)
        report.rolled_back = bool(report.fatal or (report.rejected and not allow_partial))
        writer.close(discarded=report.rolled_back or dry_run)
        if report.rolled_back or dry_run:
            transaction.set_rollback(True)
        elif report.created:
            audit.record_bulk(
                Activity,
                summary={"source": source, "created": report.created, "unchanged": report.unchanged},
                description=f"Import {source} {Path(path).name}",
            )
    # Rows failing a parser are rejected when read, those failing the national rules when their batch is checked.
    report.rejected.sort(key=lambda problem: problem.line)
    if report.rolled_back:
        report.created = 0
        report.warn(
            1,
            f"Import annulé, rien n'a été enregistré : {len(report.rejected)} ligne(s) rejetée(s). Corrigez-les, "
            "ou importez les seules lignes valides.",
        )
    return report


def _history(expected: int | None) -> bool:
    """Whether a load of `expected` rows is the first import of a history: at least SET_ASIDE_FROM rows, more than
    the activities recorded (the statistics may then count the table again at its end: cnum.stats.appends)."""
    return bool(expected and expected >= SET_ASIDE_FROM and expected > Activity.objects.order_by().count())


class Checker:
    """Checks batches of parsed rows with the national rules and passes the valid rows that are not a duplicate of
    an earlier one to the writer; a row parser's Drafts are held until they fill a batch."""

    def __init__(self, writer: BatchWriter, report: ActivityImportReport, allow_partial: bool):
        self.writer, self.report, self.allow_partial = writer, report, allow_partial
        self.drafts: list[Draft] = []
        self.seen: dict[str, int] = {}
        #: The national rules' messages by values met in the file (`validate_columns`).
        self.known: dict = {}

    def add(self, draft: Draft) -> None:
        self.drafts.append(draft)
        if len(self.drafts) >= self.writer.batch_size:
            self.flush()

    def reject(self, line: int, reason: str, value: str = "") -> None:
        self.report.reject(line, reason, value)
        # Atomic mode: nothing will be kept, so stop writing and only check the remaining rows.
        self.writer.write = self.writer.write and self.allow_partial

    def flush(self) -> None:
        drafts, self.drafts = self.drafts, []
        if drafts:
            self.check(Batch.of(drafts))

    def check(self, batch: Batch) -> None:
        errors = validate_columns(_rule_columns(batch.values, len(batch)), len(batch), known=self.known)
        source_ids, seen = batch.values["source_id"], self.seen
        if not any(errors) and len(set(source_ids)) == len(source_ids) and seen.keys().isdisjoint(source_ids):
            seen.update(zip(source_ids, batch.lines, strict=True))  # the usual batch: every row new and valid
            self.writer.add(batch)
            return
        kept = []
        for index, (line, problems, source_id) in enumerate(
            zip(batch.lines, errors, batch.values["source_id"], strict=True)
        ):
            if problems:
                self.reject(line, " ; ".join(message for messages in problems.values() for message in messages))
                continue
            first = seen.setdefault(source_id, line)
            if first != line:
                self.reject(line, f"Doublon de la ligne {first} (même id).", source_id)
                continue
            kept.append(index)
        if kept:
            self.writer.add(batch.select(kept))


#: The fields the national rules read (cnum.activities.validation), and the attname each is found under.
RULE_FIELDS = {name.rstrip("?") for rule in RULES for name in rule.fields}
RULE_ATTNAMES = {"site": "site_id", "commune": "commune_id", "redirection_site": "redirection_site_id"}


def _rule_columns(values: dict[str, list], count: int) -> dict[str, list]:
    """The columns as the national rules read them; an imported row lists no followed people."""
    columns = {name: values.get(RULE_ATTNAMES.get(name, name)) for name in RULE_FIELDS}
    columns["followed_participants"] = [0] * count
    return {name: column for name, column in columns.items() if column is not None}


def _consume(rows: Iterable, parse: RowParser, checker: Checker, report, bar) -> None:
    """Pass each row's Draft to the checker, or its rejection; a parser that reads by columns (`parse_batch`) is
    given the rows a batch at a time."""
    iterator = iter(rows)
    parse_batch = getattr(parse, "parse_batch", None)
    pending: list[tuple[int, list[str]]] = []
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
        if bar is not None and not report.total % PROGRESS_STEP:
            bar.update(PROGRESS_STEP)
        if parse_batch is not None:
            pending.append((line, cells))
            if len(pending) >= checker.writer.batch_size:
                _check_parsed(checker, parse_batch(pending))
                pending = []
            continue
        try:
            checker.add(parse(line, cells))
        except RowRejected as error:
            checker.reject(line, str(error), error.value)
    if pending:
        _check_parsed(checker, parse_batch(pending))
    checker.flush()
    if bar is not None:
        bar.update(report.total % PROGRESS_STEP)
        bar.close()


def _check_parsed(checker: Checker, parsed: tuple[Batch, list[tuple[int, RowRejected]]]) -> None:
    batch, rejected = parsed
    for line, error in rejected:
        checker.reject(line, str(error), error.value)
    if len(batch):
        checker.check(batch)


def _refuse(report: ActivityImportReport, reason: str) -> ActivityImportReport:
    report.fatal = reason
    report.rolled_back = True
    report.reject(1, f"Fichier refusé, rien n'a été enregistré : {reason}")
    return report
