from pathlib import Path

from cnum.core import imports
from cnum.core.commands import CnumCommand
from cnum.sites.importers import csv_auto


class Command(CnumCommand):
    help = (
        "Importe des lieux d'activité depuis un fichier (export Conseiller numérique v0, CSV du schéma national "
        "v1.0.2, liste France Services, ou CSV d'un tiers avec --format csv-auto). Affiche le bilan et chaque ligne "
        "rejetée avec sa raison."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--format",
            required=True,
            choices=[import_format.name for import_format in imports.formats(target="lieux")],
            help="Format du fichier.",
        )
        parser.add_argument(
            "--mapping",
            help='csv-auto : fichier JSON {"colonne du fichier": "colonne du schéma" ou null} qui corrige la '
            "correspondance devinée.",
        )
        parser.add_argument(
            "--source",
            default="",
            help="csv-auto : nom de la source (ex. hub-xyz) ; sa correspondance de colonnes est gardée et reprise.",
        )
        parser.add_argument("file", help="Chemin du fichier à importer.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            self.fail(f"Fichier introuvable : {path}")
        extra = {}
        if options["format"] == csv_auto.FORMAT:
            extra = {"mapping_file": options["mapping"], "source": options["source"]}
        elif options["mapping"] or options["source"]:
            self.fail("--mapping et --source ne valent que pour --format csv-auto.")
        report = imports.run_import(
            format_name=options["format"], path=path, dry_run=self.dry_run, progress=self.progress, **extra
        )
        self.stdout.write(f"{imports.get_format(options['format']).label} — {path.name}")
        for line in getattr(report, "file_notes", ()):
            self.stdout.write(f"  {line}")
        for problem in report.rejected:
            value = f" [{problem.value}]" if problem.value else ""
            self.stdout.write(self.style.ERROR(f"  ligne {problem.line} rejetée : {problem.reason}{value}"))
        self._details(report)
        style = self.style.SUCCESS if not report.rejected else self.style.WARNING
        self.stdout.write(style(report.summary()))
        if report.total == 0 and report.rejected:
            self.fail("Fichier illisible : rien n'a été importé.")

    def _details(self, report):
        normalised = getattr(report, "normalised", [])
        if self.verbosity >= 2:
            for problem in normalised:
                self.stdout.write(f"  ligne {problem.line} normalisée : {problem.reason}")
            for problem in report.warnings:
                value = f" [{problem.value}]" if problem.value else ""
                self.stdout.write(self.style.WARNING(f"  ligne {problem.line} : {problem.reason}{value}"))
            return
        if normalised:
            self.stdout.write(f"  {len(normalised)} valeurs normalisées ou lues par synonyme : -v 2 les liste.")
        if report.warnings:
            count = len(report.warnings)
            self.stdout.write(f"  {count} avertissements (valeurs écartées ou corrigées) : -v 2 les liste.")
