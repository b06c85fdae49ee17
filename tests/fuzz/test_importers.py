"""Every registered import format (cnum.core.imports), fed random bytes and damaged copies of a valid file.

Whatever the file, an import answers with its report, never an exception, and never half-applies: the rows it adds
to the table it imports are exactly the rows its report says it created (none with a dry run, none when an atomic
activity import is rolled back), and it adds nothing to the other tables of the registry and activity. Formats are
read from the registry, so a format added later is fuzzed too; it must give a valid sample below.

Each example runs in a savepoint rolled back afterwards (as tests/stats/test_properties.py does).
"""

import csv
import io
import json
import random
import zipfile
from dataclasses import dataclass, replace

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cnum.activities.models import Accompaniment, Activity, Beneficiary
from cnum.core import imports
from cnum.sites.models import Site
from cnum.structures.models import Structure
from tests.activities import test_import_activities as cnum_samples
from tests.activities import test_import_cnfs_v1 as cnfs_v1_samples
from tests.advisors.factories import AdvisorFactory, ContractFactory
from tests.sites import test_importers as site_samples
from tests.sites.factories import SiteFactory
from tests.sites.regional import HEADER as REGIONAL_HEADER
from tests.structures import test_import_csv as structure_samples

FORMATS = [import_format.name for import_format in imports.formats()]
TABLES = (Structure, Site, Activity, Beneficiary, Accompaniment)
TARGETS = {"structures": Structure, "lieux": Site, "activites": Activity}
COMMANDS = {"structures": "import_structures", "lieux": "import_sites", "activites": "import_activities"}
MAX_BYTES = 1 << 20
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


class Blob(bytes):
    """File contents that hypothesis shows short when it reports a failing example."""

    def __repr__(self):
        return f"Blob({bytes(self[:300])!r}{'…' if len(self) > 300 else ''}, {len(self)} octets)"


@dataclass(frozen=True)
class Sample:
    """A valid file as rows (lists of cells; JSON records for JSON formats), and how it is written."""

    kind: str  # "csv", "xlsx" or "json"
    rows: list
    delimiter: str = ","
    encoding: str = "utf-8"


def csv_rows(text: str, delimiter: str) -> list[list[str]]:
    return [cells for cells in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)]


def samples(site) -> dict[str, Sample]:
    """A small valid file per format, taken from the importers' own tests."""
    activities = [cnum_samples.HEADER, cnum_samples.row(1, site), cnum_samples.row(2, site, collective=True)]
    activities = [[str(cell) for cell in cells] for cells in activities]
    cnfs_v1 = "\n".join([cnfs_v1_samples.HEADER, cnfs_v1_samples.v1_row("1"), cnfs_v1_samples.v1_row("2")])
    regional = [
        REGIONAL_HEADER,
        "R1;Médiathèque de Lyon;;1 place de la Comédie;69001;69123;Lyon;45,7675;4,8357;04 72 10 30 30;"
        "contact@exemple.fr;https://exemple.fr;lundi 9h-12h;Aide aux démarches administratives;;;15/01/2024".split(
            ";"
        ),
    ]
    return {
        "structures-csv": Sample(
            "csv", csv_rows("\n".join([structure_samples.HEADER, *structure_samples.ROWS[:3]]), ";"), ";"
        ),
        "cnfs-v0-json": Sample("json", [site_samples.CNFS_RECORD, {**site_samples.CNFS_RECORD, "id": "autre"}]),
        "lieux-v1-csv": Sample("csv", csv_rows(site_samples.EXAMPLE.read_text(encoding="utf-8"), ",")),
        "france-services-csv": Sample(
            "csv", csv_rows("\n".join([site_samples.FS_HEADER, *site_samples.FS_ROWS]), ",")
        ),
        "csv-auto": Sample("csv", regional, ";", "cp1252"),
        "cnum-csv": Sample("csv", activities),
        "xlsx": Sample("xlsx", activities),
        "cnfs-v1-csv": Sample("csv", csv_rows(cnfs_v1, ",")),
    }


def encode(sample: Sample) -> bytes:
    if sample.kind == "json":
        return json.dumps(sample.rows, ensure_ascii=False).encode(sample.encoding, errors="replace")
    if sample.kind == "xlsx":
        workbook = Workbook()
        for cells in sample.rows:
            workbook.active.append([_xlsx_cell(cell) for cell in cells] if isinstance(cells, list) else [cells])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=sample.delimiter, lineterminator="\n")
    writer.writerows(cells if isinstance(cells, list) else [cells] for cells in sample.rows)
    return text.getvalue().encode(sample.encoding, errors="replace")


def _xlsx_cell(value):
    # openpyxl refuses the control characters XML cannot hold: a spreadsheet cannot contain them either.
    return "".join(char for char in str(value) if char in "\t\n\r" or ord(char) >= 32)


texts = st.text(max_size=40) | st.sampled_from(["", "null", "0", "-1", "1e309", "NaN", "2025-02-30", "\x00", '"'])
values = texts | st.integers() | st.floats() | st.none() | st.lists(texts, max_size=3)


@st.composite
def mutated(draw, sample: Sample) -> bytes:
    """The sample with rows deleted, duplicated or swapped, cells replaced, its separator or encoding changed, then
    perhaps its bytes cut or flipped."""
    rows = [list(row) if isinstance(row, list) else dict(row) for row in sample.rows]
    rnd = draw(st.randoms(use_true_random=False))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["delete", "duplicate", "swap", "cell", "cell", "cut_row"]))
        if not rows:
            break
        index = rnd.randrange(len(rows))
        if operation == "delete":
            del rows[index]
        elif operation == "duplicate":
            rows.insert(rnd.randrange(len(rows) + 1), rows[index])
        elif operation == "swap":
            other = rnd.randrange(len(rows))
            rows[index], rows[other] = rows[other], rows[index]
        elif operation == "cut_row":
            rows[index] = _cut(rows[index], rnd)
        else:
            rows[index] = _replace_cell(rows[index], rnd, draw(values if sample.kind == "json" else texts))
    changed = replace(sample, rows=rows)
    if sample.kind == "csv":
        changed = replace(
            changed,
            delimiter=draw(st.sampled_from([sample.delimiter, ",", ";", "\t", "|"])),
            encoding=draw(st.sampled_from([sample.encoding, "utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"])),
        )
    data = encode(changed)
    # Positions as fractions of the length: an XLSX file's length varies with the time it is written.
    if draw(st.booleans()):
        data = data[: len(data) * draw(st.integers(0, 1000)) // 1000]
    position, byte = len(data) * draw(st.integers(0, 999)) // 1000, draw(st.integers(0, 255))
    if data and draw(st.booleans()):
        data = data[:position] + bytes([byte]) + data[position + 1 :]
    return Blob(data)


def _cut(row, rnd: random.Random):
    if isinstance(row, dict):
        return dict(list(row.items())[: rnd.randrange(len(row) + 1)])
    return row[: rnd.randrange(len(row) + 1)]


def _replace_cell(row, rnd: random.Random, value):
    if isinstance(row, dict):
        return {**row, rnd.choice(list(row) or ["id"]): value}
    if not row:
        return [str(value)]
    changed = list(row)
    changed[rnd.randrange(len(changed))] = str(value)
    return changed


def sheetless_workbook() -> Blob:
    """A workbook whose worksheet's part is lost from the archive (a byte flipped in the zip's directory renames it):
    openpyxl opens it with no worksheet, and the XLSX reader once crashed on it with an IndexError."""
    whole, damaged = io.BytesIO(), io.BytesIO()
    Workbook().save(whole)
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            target.writestr(name.replace("sheet1.xml", "sheet9.xml"), source.read(name))
    return Blob(damaged.getvalue())


random_files = (
    st.binary(max_size=4096)
    | st.builds(
        lambda chunk, times: (chunk * times)[:MAX_BYTES], st.binary(min_size=1, max_size=8), st.integers(1, 1 << 17)
    )
    | st.text(max_size=200).map(lambda text: text.encode("utf-8"))
).map(Blob)


@pytest.fixture
def site(cog):
    """What a valid activity file refers to: an advisor in post, and the site of the activities."""
    ContractFactory(advisor=AdvisorFactory(email="camille@exemple.fr"))
    return SiteFactory()


def counts() -> dict:
    return {model: model.objects.count() for model in TABLES}


def import_and_check(import_format: imports.ImportFormat, path, data: bytes, *, dry_run: bool):
    """Import `data` in a rolled-back savepoint; check the report against the rows added."""
    path.write_bytes(data)
    with transaction.atomic():
        before = counts()
        report = imports.run_import(format_name=import_format.name, path=path, dry_run=dry_run)
        added = {model: count - before[model] for model, count in counts().items()}
        transaction.set_rollback(True)
    assert isinstance(report, imports.ImportReport)
    assert all(problem.reason for problem in report.rejected + report.warnings)
    assert report.summary() and json.dumps(report.as_dict())
    target = TARGETS[import_format.target]
    assert added[target] == (0 if dry_run else report.created), report.as_dict()
    others = {model: count for model, count in added.items() if model is not target}
    if dry_run or getattr(report, "rolled_back", False):
        assert set(others.values()) == {0}, (others, report.as_dict())
    elif target is Activity:
        # Each imported person is an anonymous beneficiary with one accompaniment; the v1 format may create the
        # structures of its advisors.
        assert 0 <= others[Beneficiary] <= others[Accompaniment], others
        assert others[Site] == 0, others
    else:
        assert set(others.values()) == {0}, (others, report.as_dict())
    return report


def test_every_format_has_a_valid_sample_that_imports(site, tmp_path):
    assert set(samples(site)) == set(FORMATS), "each registered format needs a valid sample in samples()"
    for name in FORMATS:
        import_format = imports.get_format(name)
        report = import_and_check(
            import_format,
            tmp_path / f"valide{import_format.extensions[0]}",
            encode(samples(site)[name]),
            dry_run=False,
        )
        assert report.created > 0 and report.accepted > 0, (name, report.as_dict())


@pytest.mark.parametrize("name", FORMATS)
def test_random_bytes_get_a_report_never_an_exception(site, tmp_path, name):
    import_format = imports.get_format(name)
    path = tmp_path / f"hasard{import_format.extensions[0]}"

    @FUZZ
    @given(data=random_files, dry_run=st.booleans())
    @example(data=Blob(b""), dry_run=False)
    @example(data=Blob(b"\x00" * 64), dry_run=False)
    @example(data=Blob(b"\xff\xfe\xfa\xc3\x28 invalid utf-8\n\xe9;\xe8\n"), dry_run=False)
    @example(data=Blob(b"id;date\n" + b"x" * MAX_BYTES), dry_run=False)
    @example(data=sheetless_workbook(), dry_run=False)
    def imports_cleanly(data, dry_run):
        import_and_check(import_format, path, data, dry_run=dry_run)

    imports_cleanly()


@pytest.mark.parametrize("name", FORMATS)
def test_damaged_valid_files_are_applied_whole_or_rejected_row_by_row(site, tmp_path, name):
    import_format = imports.get_format(name)
    path = tmp_path / f"abime{import_format.extensions[0]}"

    @FUZZ
    @given(data=mutated(samples(site)[name]), dry_run=st.booleans())
    def imports_cleanly(data, dry_run):
        report = import_and_check(import_format, path, data, dry_run=dry_run)
        # --hypothesis-show-statistics tells how many damaged files still import rows, and how many are refused.
        event(f"créées : {bool(report.created)}, rejetées : {bool(report.rejected)}")

    imports_cleanly()


@pytest.mark.parametrize("name", FORMATS)
def test_the_import_commands_fail_only_with_a_command_error(site, tmp_path, name):
    import_format = imports.get_format(name)
    path = tmp_path / f"commande{import_format.extensions[0]}"
    command = COMMANDS[import_format.target]
    sample = samples(site)[name]

    @settings(FUZZ, max_examples=10)
    @given(data=mutated(sample) | random_files)
    @example(data=b"[" * 100_000)  # found by the fuzzing: JSON nested deeper than Python's stack
    def fails_cleanly(data):
        path.write_bytes(data)
        with transaction.atomic():
            try:
                call_command(command, "--format", name, str(path), stdout=io.StringIO(), stderr=io.StringIO())
            except CommandError as error:
                assert str(error)
            transaction.set_rollback(True)

    fails_cleanly()


# Found by the fuzzing above: the sites' CSV readers let the csv module's error on an over-long header cell escape.


@pytest.mark.parametrize("name", [name for name in FORMATS if imports.get_format(name).extensions == (".csv",)])
def test_a_header_cell_too_long_for_the_csv_module_is_reported(site, tmp_path, name):
    path = tmp_path / "long.csv"
    report = import_and_check(imports.get_format(name), path, b"nom;" + b"x" * 200_000 + b"\n", dry_run=False)
    assert report.rejected and report.created == 0


# Found by the fuzzing above: a cnfs-v1-csv row whose accompagnement_redirection is not a number stopped the import
# with a ValueError instead of being rejected with its reason.


def test_a_v1_row_with_an_unreadable_redirection_count_is_rejected(site, tmp_path):
    row = cnfs_v1_samples.v1_row("1", accompagnement_redirection=":")
    data = "\n".join([cnfs_v1_samples.HEADER, row]).encode()
    report = import_and_check(imports.get_format("cnfs-v1-csv"), tmp_path / "v1.csv", data, dry_run=False)
    assert [problem.reason for problem in report.rejected] == [
        "accompagnement_redirection « : » : un nombre entier est attendu."
    ]


# Found by the fuzzing above: a structures file whose only line is quotes (not blank as text, blank as CSV cells)
# stopped the import with a TypeError instead of refusing the file as empty.


def test_a_structures_file_of_quotes_only_is_refused_as_empty(site, tmp_path):
    report = import_and_check(imports.get_format("structures-csv"), tmp_path / "s.csv", b'" "\n', dry_run=False)
    assert report.fatal.startswith("fichier vide")


# Found by the fuzzing above on PostgreSQL, which refuses NUL in text ("DataError: PostgreSQL text fields cannot
# contain NUL (0x00) bytes"): the readers now drop NUL characters, so a file sprinkled with them imports as without.


def _with_nul(value):
    if isinstance(value, str):
        return value[:1] + "\x00" + value[1:]
    if isinstance(value, list):
        return [_with_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _with_nul(item) for key, item in value.items()}
    return value


@pytest.mark.parametrize("name", [name for name in FORMATS if imports.get_format(name).extensions != (".xlsx",)])
def test_nul_characters_in_a_file_are_dropped(site, tmp_path, name):
    import_format, sample = imports.get_format(name), samples(site)[name]
    clean = import_and_check(import_format, tmp_path / "propre", encode(sample), dry_run=True)
    data = encode(replace(sample, rows=_with_nul(sample.rows)))
    report = import_and_check(import_format, tmp_path / "nul", data, dry_run=False)
    assert (report.created, len(report.rejected)) == (clean.created, len(clean.rejected)), report.as_dict()
