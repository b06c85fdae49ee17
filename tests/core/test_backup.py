"""Backup and restoration on the engine in use: SQLite locally, PostgreSQL when DATABASE_URL selects it (CI).

Each test restores into a second, empty database: a file next to the test on SQLite, `cnum_restore_test` on
PostgreSQL, dropped at the end.
"""

import io
import json
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections, transaction
from django.db.utils import load_backend

from cnum.core import audit
from cnum.core.backup import MANIFEST_NAME, backup_write, count_differences, table_counts
from cnum.core.models import AuditEvent
from cnum.structures.models import Structure
from tests.activities.factories import ActivityFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = "restore_target"
POSTGRES_TARGET_NAME = "cnum_restore_test"
AUDIT_FIELDS = ["id", "at", "actor_id", "actor_label", "action", "content_type_id", "object_id", "changes"]


def _drop_postgres_target(cursor):
    cursor.execute(f"DROP DATABASE IF EXISTS {POSTGRES_TARGET_NAME}")


@pytest.fixture
def empty_database(tmp_path):
    """A second database alias pointing at a new, empty database of the same engine."""
    default = connections["default"]
    if default.vendor == "postgresql":
        with default.cursor() as cursor:
            _drop_postgres_target(cursor)
            cursor.execute(f"CREATE DATABASE {POSTGRES_TARGET_NAME}")
        name = POSTGRES_TARGET_NAME
    else:
        name = str(tmp_path / "restauree.sqlite3")
    # Built outside settings.DATABASES: Django lets a test use such a connection without declaring it.
    target = load_backend(default.settings_dict["ENGINE"]).DatabaseWrapper(
        {**default.settings_dict, "NAME": name}, TARGET
    )
    connections[TARGET] = target
    yield TARGET
    target.close()
    del connections[TARGET]
    if default.vendor == "postgresql":
        with default.cursor() as cursor:
            _drop_postgres_target(cursor)


@pytest.fixture
def data():
    """Structures, activities with their people, and audit events of several kinds."""
    with audit.acting_as(audit.Actor(label="test sauvegarde")):
        structures = StructureFactory.create_batch(3)
        for structure in structures:
            ActivityFactory.create_batch(2, structure=structure)
        ActivityFactory(followed=True)
        renamed = structures[0]
        renamed.name = "Structure renommée « test »"
        renamed.save()
        audit.record_bulk(Structure, summary={"lignes": 3, "détail": ["é", 1]}, description="Import de test")
    return structures


def _audit_log(using):
    return list(AuditEvent.objects.using(using).order_by("id").values(*AUDIT_FIELDS))


def _backup(tmp_path):
    path = tmp_path / "sauvegarde.tar"
    out = io.StringIO()
    call_command("backup", output=path, stdout=out, verbosity=0)
    assert "Sauvegarde écrite" in out.getvalue()
    return path


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_and_audit_log(tmp_path, data, empty_database):
    path = _backup(tmp_path)
    expected_counts = table_counts("default")
    expected_log = _audit_log("default")
    assert expected_counts["structures_structure"] >= 3
    assert len(expected_log) > 10

    out = io.StringIO()
    call_command("restore", str(path), database=empty_database, stdout=out, verbosity=0)

    assert "conforme au manifeste" in out.getvalue()
    restored_log = _audit_log(empty_database)
    # The restoration itself is the one event appended after the restored trail.
    assert restored_log[:-1] == expected_log
    assert restored_log[-1]["changes"]["fichier"] == "sauvegarde.tar"
    restored_counts = table_counts(empty_database)
    assert {**restored_counts, "core_auditevent": restored_counts["core_auditevent"] - 1} == expected_counts
    restored = Structure.objects.using(empty_database).get(pk=data[0].pk)
    assert restored.name == "Structure renommée « test »"


def test_the_restored_audit_log_is_still_append_only(tmp_path, data, empty_database):
    path = _backup(tmp_path)
    call_command("restore", str(path), database=empty_database, stdout=io.StringIO(), verbosity=0)

    with pytest.raises(DatabaseError), transaction.atomic(using=empty_database):
        AuditEvent.objects.using(empty_database).update(actor_label="falsifié")
    with pytest.raises(DatabaseError), transaction.atomic(using=empty_database):
        with connections[empty_database].cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent")


DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER core_auditevent_no_update", "DROP TRIGGER core_auditevent_no_delete"],
    "postgresql": [
        "DROP TRIGGER core_auditevent_append_only ON core_auditevent",
        "DROP TRIGGER core_auditevent_no_truncate ON core_auditevent",
    ],
}


def test_restore_sets_the_audit_triggers_even_when_the_backup_lacks_them(tmp_path, data, empty_database):
    default = connections["default"]
    try:
        with default.cursor() as cursor:
            for statement in DROP_TRIGGERS[default.vendor]:
                cursor.execute(statement)
        path = _backup(tmp_path)
    finally:
        audit.install_append_only_triggers(default)

    call_command("restore", str(path), database=empty_database, stdout=io.StringIO(), verbosity=0)

    with pytest.raises(DatabaseError), transaction.atomic(using=empty_database):
        AuditEvent.objects.using(empty_database).update(actor_label="falsifié")


def test_the_manifest_describes_the_database(tmp_path, data):
    path = _backup(tmp_path)
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile(MANIFEST_NAME))
        names = archive.getnames()
    assert manifest["engine"] == connections["default"].vendor
    assert manifest["tables"] == table_counts("default")
    assert "0001_initial" in manifest["migrations"]["core"]
    assert manifest["cnum_version"]
    assert len(names) == 2
    assert path.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, data):
    path = _backup(tmp_path)
    with pytest.raises(CommandError, match="n'est pas vide.*--yes"):
        call_command("restore", str(path), stdout=io.StringIO(), verbosity=0)


def _rewrite_manifest(path, change):
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile(MANIFEST_NAME))
        members = [(member, archive.extractfile(member).read()) for member in archive.getmembers()]
    change(manifest)
    body = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as archive:
        for member, content in members:
            if member.name == MANIFEST_NAME:
                member.size, content = len(body), body
            archive.addfile(member, io.BytesIO(content))


def test_restore_refuses_a_backup_of_another_engine(tmp_path, data, empty_database):
    path = _backup(tmp_path)
    other = "postgresql" if connections["default"].vendor == "sqlite" else "sqlite"
    _rewrite_manifest(path, lambda manifest: manifest.update(engine=other))
    with pytest.raises(CommandError, match="même moteur"):
        call_command("restore", str(path), database=empty_database, stdout=io.StringIO(), verbosity=0)
    assert connections[empty_database].introspection.table_names() == []


def test_restore_reports_rows_that_differ_from_the_manifest_in_french(tmp_path, data, empty_database):
    path = _backup(tmp_path)

    def claim_one_more_structure(manifest):
        manifest["tables"]["structures_structure"] += 1

    _rewrite_manifest(path, claim_one_more_structure)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 table\\(s\\) diffèrent"):
        call_command("restore", str(path), database=empty_database, stdout=io.StringIO(), stderr=err, verbosity=0)
    structures = Structure.objects.count()
    assert f"Table structures_structure : {structures + 1} lignes attendues, {structures} trouvées." in err.getvalue()


def test_count_differences_names_missing_and_unexpected_tables():
    assert count_differences({"a": 1, "b": 2}, {"a": 1, "c": 5, "d": 0}) == [
        "Table b absente après la restauration (2 lignes attendues).",
        "Table c absente de la sauvegarde mais présente (5 lignes).",
    ]


def test_the_backup_reports_its_progress_to_the_end(tmp_path, data):
    calls = []
    manifest = backup_write(output=tmp_path / "sauvegarde.tar", progress=lambda *step: calls.append(step))
    done = [step for step, _ in calls]
    assert done == sorted(done) and calls[-1][0] == calls[-1][1] > 0
    if connections["default"].vendor == "postgresql":  # rows, table after table, as pg_dump announces them
        assert calls[-1][1] == sum(manifest["tables"].values())
        assert len({step for step in done if 0 < step < calls[-1][1]}) >= 3


@pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="pg_dump")
def test_a_failed_pg_dump_is_said_in_french_and_leaves_no_file(tmp_path, data, monkeypatch):
    from cnum.core import backup

    monkeypatch.setattr(backup, "find_postgres_program", lambda name: "false")
    with pytest.raises(backup.BackupError, match="pg_dump a échoué \\(code 1\\)"):
        backup_write(output=tmp_path / "sauvegarde.tar")
    assert list(tmp_path.iterdir()) == []
