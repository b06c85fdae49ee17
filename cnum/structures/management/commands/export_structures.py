"""python manage.py export_structures --format csv --output F: structures in the columns import_structures reads."""

from pathlib import Path

from cnum.core.commands import CnumCommand
from cnum.structures.exporters import csv as structures_csv

FORMATS = {"csv": structures_csv}


class Command(CnumCommand):
    help = "Exporte les structures dans le format que lit import_structures (réimporté, tout est inchangé)."
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--format", choices=list(FORMATS), default="csv", help="Format du fichier (csv).")
        parser.add_argument("--output", type=Path, required=True, help="Fichier à écrire.")

    def handle(self, *args, format: str, output: Path, **options):
        exporter = FORMATS[format]
        structures = exporter.structures_queryset()
        with (
            output.open("w", encoding="utf-8-sig", newline="") as out,
            self.progress(total=structures.count(), desc="Structures") as bar,
        ):
            count = exporter.write(out, structures.iterator(chunk_size=2000), progress=bar.update)
        self.stdout.write(self.style.SUCCESS(f"{count} structures exportées dans {output}."))
