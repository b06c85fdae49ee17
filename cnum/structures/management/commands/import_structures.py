from pathlib import Path

from cnum.core import imports
from cnum.core.commands import CnumCommand

TARGET = "structures"


class Command(CnumCommand):
    help = (
        "Importe des structures depuis un fichier. Affiche le bilan et chaque ligne rejetée avec sa raison ; "
        "les lignes valides sont enregistrées en une seule transaction (rien avec --dry-run)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="Fichier à importer.")
        names = ", ".join(self._short(f.name) for f in imports.formats(TARGET))
        parser.add_argument("--format", default="csv", help=f"Format du fichier ({names}). Par défaut : csv.")

    @staticmethod
    def _short(name: str) -> str:
        return name.removeprefix(f"{TARGET}-")

    def _format(self, name: str) -> imports.ImportFormat:
        for import_format in imports.formats(TARGET):
            if name in (import_format.name, self._short(import_format.name)):
                return import_format
        known = ", ".join(self._short(f.name) for f in imports.formats(TARGET))
        self.fail(f"Format « {name} » inconnu. Formats de structures : {known}.")

    def handle(self, *args, file: Path, format: str, **options):
        import_format = self._format(format)
        if not file.is_file():
            self.fail(f"Fichier introuvable : {file}.")
        self.stdout.write(f"Import de {file} ({import_format.label}).")
        report = imports.run_import(
            format_name=import_format.name, path=file, dry_run=self.dry_run, progress=self.progress
        )
        self._write_report(report)
        fatal = getattr(report, "fatal", "")
        if fatal:
            self.fail(f"Fichier refusé, rien n'a été enregistré : {fatal}")

    def _write_report(self, report: imports.ImportReport) -> None:
        summary = self.style.SUCCESS(report.summary()) if not report.rejected else self.style.WARNING(report.summary())
        self.stdout.write(summary)
        if report.rejected:
            self.stdout.write(f"Lignes rejetées ({len(report.rejected)}) :")
            for problem in report.rejected:
                value = f" — « {problem.value} »" if problem.value else ""
                self.stdout.write(f"  ligne {problem.line} : {problem.reason}{value}")
        if report.warnings:
            self.stdout.write(f"Avertissements ({len(report.warnings)}) :")
            for problem in report.warnings:
                value = f" — « {problem.value} »" if problem.value else ""
                self.stdout.write(f"  ligne {problem.line} : {problem.reason}{value}")
