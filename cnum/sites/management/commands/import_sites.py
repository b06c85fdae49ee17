from pathlib import Path

from cnum.core import imports
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = (
        "Importe des lieux d'activité depuis un fichier (export Conseiller numérique v0, CSV du schéma national "
        "v1.0.2 ou liste France Services). Affiche le bilan et chaque ligne rejetée avec sa raison."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--format",
            required=True,
            choices=[import_format.name for import_format in imports.formats(target="lieux")],
            help="Format du fichier.",
        )
        parser.add_argument("file", help="Chemin du fichier à importer.")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            self.fail(f"Fichier introuvable : {path}")
        report = imports.run_import(
            format_name=options["format"], path=path, dry_run=self.dry_run, progress=self.progress
        )
        self.stdout.write(f"{imports.get_format(options['format']).label} — {path.name}")
        for problem in report.rejected:
            value = f" [{problem.value}]" if problem.value else ""
            self.stdout.write(self.style.ERROR(f"  ligne {problem.line} rejetée : {problem.reason}{value}"))
        if self.verbosity >= 2:
            for problem in report.warnings:
                value = f" [{problem.value}]" if problem.value else ""
                self.stdout.write(self.style.WARNING(f"  ligne {problem.line} : {problem.reason}{value}"))
        elif report.warnings:
            count = len(report.warnings)
            self.stdout.write(f"  {count} avertissements (valeurs écartées ou corrigées) : -v 2 les liste.")
        style = self.style.SUCCESS if not report.rejected else self.style.WARNING
        self.stdout.write(style(report.summary()))
        if report.total == 0 and report.rejected:
            self.fail("Fichier illisible : rien n'a été importé.")
