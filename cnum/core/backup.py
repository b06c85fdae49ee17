"""Backups of the whole database, and their restoration (commands `backup` and `restore`).

A backup is one tar file holding `manifest.json` (engine, date, applied migrations, rows per table, cnum
version) and the database itself:
- SQLite: a consistent copy made with SQLite's online backup API (writers may keep writing), gzip-compressed;
- PostgreSQL: `pg_dump --format=custom`, taken in the same snapshot as the manifest's row counts, so the counts
  describe exactly what the dump holds.

The file holds every person's data: it is written readable by its owner only, and should be encrypted where it
is kept (docs/privacy.md).
"""

import datetime
import gzip
import importlib.metadata
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cnum.core.audit import install_append_only_triggers

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATA_NAMES = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}
ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SQLITE_PAGES_PER_STEP = 4096

#: Called with (done, in all) while the backup runs — SQLite's pages copied, or on PostgreSQL the rows of the tables
#: pg_dump has written (each table's count from the manifest, as pg_dump announces the next one); lets a command
#: show a progress bar.
Progress = Callable[[int, int], None]
#: How pg_dump --verbose announces a table's rows: `pg_dump: dumping contents of table "public.activities_activity"`.
PG_DUMP_TABLE = re.compile(r'dumping contents of table "(?:[^"]+\.)?([^"]+)"')


class BackupError(Exception):
    """A backup or restoration that cannot go on; the message is French and meant for the operator."""


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict
    differences: list[str]
    pending_migrations: int


# --- shared ---------------------------------------------------------------------------------------------------


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DATA_NAMES:
        raise BackupError(f"Moteur de base non pris en charge pour les sauvegardes : {vendor}.")
    return vendor


def _count_rows(cursor, tables: list[str], quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _manifest(engine: str, cursor, tables: list[str], quote) -> dict:
    return {
        "format": FORMAT_VERSION,
        "engine": engine,
        "created_at": timezone.now().isoformat(),
        "cnum_version": importlib.metadata.version("cnum"),
        "migrations": _applied_migrations(cursor) if "django_migrations" in tables else {},
        "tables": _count_rows(cursor, tables, quote),
    }


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [row[0] for row in cursor.fetchall()]


def table_counts(using: str = "default") -> dict[str, int]:
    """Rows per table of the database as it is now."""
    connection = connections[using]
    with connection.cursor() as cursor:
        # SQLite's own tables (sqlite_stat1 after ANALYZE…) are not saved: leave them out of the comparison too.
        tables = [name for name in connection.introspection.table_names(cursor) if not name.startswith("sqlite_")]
        return _count_rows(cursor, tables, connection.ops.quote_name)


def database_is_empty(using: str = "default") -> bool:
    """True when the database holds no table at all (a new database, before `migrate`)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


# --- PostgreSQL client programs -------------------------------------------------------------------------------


def find_postgres_program(name: str) -> str:
    """`pg_dump` or `pg_restore`: on PATH, else the newest under /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise BackupError(f"Programme {name} introuvable (paquet postgresql-client à installer).")
    return str(candidates[-1])


def _postgres_arguments(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments, and the environment holding the password: never on the command line, where every
    user of the machine could read it."""
    arguments = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            arguments += [flag, str(settings_dict[key])]
    arguments += ["--dbname", settings_dict["NAME"], "--no-password"]
    environment = {**os.environ}
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = settings_dict["PASSWORD"]
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        program = Path(command[0]).name
        raise BackupError(f"{program} a échoué (code {result.returncode}) : {result.stderr.strip()}")


# --- backup ---------------------------------------------------------------------------------------------------


def backup_write(*, output: Path, using: str = "default", progress: Progress | None = None) -> dict:
    """Write a backup of the database to `output` and return its manifest."""
    engine = _vendor(using)
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="cnum-backup-") as work:
        data_path = Path(work) / DATA_NAMES[engine]
        if engine == "sqlite":
            manifest = _sqlite_dump(using, data_path, progress)
        else:
            manifest = _postgres_dump(using, data_path, progress)
        _write_archive(output, manifest, data_path)
    return manifest


def _sqlite_dump(using: str, data_path: Path, progress: Progress | None) -> dict:
    connection = connections[using]
    connection.ensure_connection()
    copy_path = data_path.with_suffix("")
    copy = sqlite3.connect(copy_path)
    try:
        connection.connection.backup(
            copy,
            pages=SQLITE_PAGES_PER_STEP,
            progress=(lambda status, remaining, total: progress(total - remaining, total)) if progress else None,
        )
        # Counted in the copy itself: the manifest describes exactly what was saved.
        cursor = copy.cursor()
        manifest = _manifest("sqlite", cursor, _sqlite_tables(cursor), _quote_sqlite)
    finally:
        copy.close()
    with copy_path.open("rb") as source, gzip.open(data_path, "wb") as target:
        shutil.copyfileobj(source, target)
    copy_path.unlink()
    return manifest


def _postgres_dump(using: str, data_path: Path, progress: Progress | None) -> dict:
    connection = connections[using]
    arguments, environment = _postgres_arguments(connection.settings_dict)
    # The counts and pg_dump share one snapshot, so the manifest describes exactly what the dump holds.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = connection.introspection.table_names(cursor)
        manifest = _manifest("postgresql", cursor, tables, connection.ops.quote_name)
        command = [find_postgres_program("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--verbose"]
        _run_dump([*command, "--file", str(data_path), *arguments], environment, manifest["tables"], progress)
    return manifest


def _run_dump(command: list[str], environment: dict[str, str], rows: dict[str, int], progress: Progress | None):
    """pg_dump, its progress read from what --verbose writes as it goes: a table announced means the one before it
    is written. Its other lines are kept for the error message."""
    total, done, current, said = sum(rows.values()), 0, None, []
    if progress:
        progress(0, total)
    with subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True) as process:
        for line in process.stderr:
            if found := PG_DUMP_TABLE.search(line):
                done += rows.get(current, 0)
                current = found[1]
                if progress:
                    progress(done, total)
            elif "error" in line.lower() or "erreur" in line.lower():
                said.append(line.strip())
    if process.returncode != 0:
        raise BackupError(f"pg_dump a échoué (code {process.returncode}) : {' '.join(said[-5:])}")
    if progress:
        progress(total, total)


def _write_archive(output: Path, manifest: dict, data_path: Path) -> None:
    """Write under a temporary name and rename at the end: a failed backup never leaves a truncated file under
    the expected name. The file holds personal data: readable by its owner only."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partiel")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w") as archive:
        body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size, info.mtime, info.mode = len(body), int(datetime.datetime.now().timestamp()), 0o600
        archive.addfile(info, io.BytesIO(body))
        archive.add(data_path, arcname=data_path.name)
    os.replace(partial, output)


# --- restore --------------------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    try:
        with tarfile.open(source, mode="r") as archive:
            member = archive.extractfile(MANIFEST_NAME)
            manifest = json.load(member)
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as error:
        raise BackupError(f"Fichier de sauvegarde illisible ({source}) : {error}") from error
    if manifest.get("format") != FORMAT_VERSION or manifest.get("engine") not in DATA_NAMES:
        raise BackupError(f"Format de sauvegarde inconnu dans {source}.")
    return manifest


def backup_restore(*, source: Path, using: str = "default", replace: bool = False) -> RestoreReport:
    """Restore the backup `source` into the database `using`, then check its rows against the manifest.

    Refuses a backup of another engine, and a database that already holds tables unless `replace`.
    """
    manifest = read_manifest(source)
    engine = _vendor(using)
    if manifest["engine"] != engine:
        raise BackupError(
            f"Cette sauvegarde vient d'une base {ENGINE_LABELS[manifest['engine']]} ; la base de destination est "
            f"{ENGINE_LABELS[engine]}. Restaurez-la dans une base du même moteur."
        )
    if not replace and not database_is_empty(using):
        raise BackupError(
            "La base de destination n'est pas vide. Relancez avec --yes pour remplacer tout son contenu "
            "par la sauvegarde."
        )
    with tempfile.TemporaryDirectory(prefix="cnum-restore-") as work:
        data_path = Path(work) / DATA_NAMES[engine]
        with tarfile.open(source, mode="r") as archive:
            archive.extract(DATA_NAMES[engine], path=work, filter="data")
        if engine == "sqlite":
            _sqlite_load(using, data_path)
        else:
            _postgres_load(using, data_path)
    connection = connections[using]
    connection.close()
    ContentType.objects.clear_cache()
    # SQLite loses a table's triggers when a migration rebuilds it, and a dump may predate them: set them again.
    install_append_only_triggers(connection)
    return RestoreReport(
        manifest=manifest,
        differences=count_differences(manifest["tables"], table_counts(using)),
        pending_migrations=len(_pending_migrations(using)),
    )


def _sqlite_load(using: str, data_path: Path) -> None:
    connection = connections[using]
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("La restauration ne peut pas se faire dans une transaction ouverte.")
    copy_path = data_path.with_suffix("")
    with gzip.open(data_path, "rb") as source, copy_path.open("wb") as target:
        shutil.copyfileobj(source, target)
    copy = sqlite3.connect(copy_path)
    try:
        copy.backup(connection.connection)
    finally:
        copy.close()


def _postgres_load(using: str, data_path: Path) -> None:
    connection = connections[using]
    arguments, environment = _postgres_arguments(connection.settings_dict)
    connection.close()
    command = [find_postgres_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*command, "--exit-on-error", *arguments, str(data_path)], environment)


def count_differences(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    """French lines describing every table whose rows differ from the manifest."""
    differences = []
    for table, rows in sorted(expected.items()):
        if table not in found:
            differences.append(f"Table {table} absente après la restauration ({rows} lignes attendues).")
        elif found[table] != rows:
            differences.append(f"Table {table} : {rows} lignes attendues, {found[table]} trouvées.")
    for table in sorted(set(found) - set(expected)):
        if found[table]:
            differences.append(f"Table {table} absente de la sauvegarde mais présente ({found[table]} lignes).")
    return differences


def _pending_migrations(using: str) -> list:
    executor = MigrationExecutor(connections[using])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())
