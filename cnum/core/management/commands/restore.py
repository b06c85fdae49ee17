from pathlib import Path

from django.contrib.contenttypes.models import ContentType

from cnum.core import audit
from cnum.core.backup import BackupError, backup_restore
from cnum.core.commands import CnumCommand
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent


class Command(CnumCommand):
    help = (
        "Restaure une sauvegarde écrite par `backup` dans une base vide (ou remplace tout le contenu avec --yes), "
        "remet les protections du journal d'audit puis compare les lignes de chaque table au manifeste."
    )
    # SQLite's backup API and pg_restore work outside Django's transaction; no --dry-run (use an empty database).
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("source", type=Path, help="Fichier écrit par `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Remplacer le contenu d'une base qui n'est pas vide.")
        parser.add_argument("--database", default="default", help="Alias de la base de destination.")

    def handle(self, *args, source, yes, database, **options):
        if not source.is_file():
            self.fail(f"Fichier introuvable : {source}")
        try:
            report = backup_restore(source=source, using=database, replace=yes)
        except BackupError as error:
            self.fail(str(error))
        manifest = report.manifest
        self.stdout.write(
            f"Sauvegarde du {manifest['created_at']} (cnum {manifest['cnum_version']}, {manifest['engine']}) "
            f"restaurée : {len(manifest['tables'])} tables."
        )
        self._record(source, report, database)
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"{report.pending_migrations} migration(s) à appliquer : lancez `manage.py migrate`."
                )
            )
        if report.differences:
            for line in report.differences:
                self.stderr.write(line)
            self.fail(f"{len(report.differences)} table(s) diffèrent du manifeste de la sauvegarde.")
        self.stdout.write(self.style.SUCCESS("Nombre de lignes conforme au manifeste pour chaque table."))

    def _record(self, source: Path, report, database: str) -> None:
        """Leave the restoration in the restored audit trail itself, after the rows were counted."""
        actor = audit.current_actor()
        AuditEvent.objects.using(database).create(
            actor_id=actor.user_id,
            actor_label=actor.label[:200],
            action=AuditAction.BULK,
            content_type=ContentType.objects.db_manager(database).get_for_model(AuditEvent),
            object_repr="Restauration d'une sauvegarde",
            changes={
                "fichier": source.name,
                "sauvegarde_du": report.manifest["created_at"],
                "ecarts": len(report.differences),
            },
        )
