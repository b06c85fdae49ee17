from pathlib import Path

from django.db import connections

from cnum.core.backup import BackupError, backup_write
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = (
        "Sauvegarde toute la base dans un seul fichier (copie cohérente SQLite compressée ou pg_dump, avec un "
        "manifeste : moteur, date, migrations, lignes par table). Le fichier contient des données personnelles."
    )
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--output", required=True, type=Path, help="Fichier de sauvegarde à écrire (.tar).")
        parser.add_argument("--database", default="default", help="Alias de la base à sauvegarder.")

    def handle(self, *args, output, database, **options):
        bar = self.progress(total=None, desc="Copie")
        bar.unit = " pages" if connections[database].vendor == "sqlite" else " lignes"

        def advance(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            manifest = backup_write(output=output, using=database, progress=advance)
        except BackupError as error:
            self.fail(str(error))
        finally:
            bar.close()
        rows = sum(manifest["tables"].values())
        size = output.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite dans {output} : {len(manifest['tables'])} tables, {rows} lignes, "
                f"{size / 1_000_000:.1f} Mo ({manifest['engine']})."
            )
        )
        self.logger.info("Sauvegarde écrite dans %s (%s lignes)", output, rows)
