"""python manage.py import_activities --format cnum-csv|xlsx|cnfs-v1-csv FILE [--dry-run] [--allow-partial]"""

from pathlib import Path

from cnum.activities.importers.formats import FORMATS
from cnum.core.commands import CnumCommand
from cnum.core.imports import run_import


class Command(CnumCommand):
    help = "Importe des activités (format cnum CSV/XLSX, ou export de la plateforme v1), en flux et par lots."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=[f.name for f in FORMATS])
        parser.add_argument(
            "--allow-partial", action="store_true", help="Importer les lignes valides même si d'autres sont rejetées."
        )
        parser.add_argument("--advisor-email", default="", help="Conseiller de toutes les lignes (format cnum).")

    def handle(self, *args, **options):
        report = run_import(
            format_name=options["format"],
            path=options["file"],
            dry_run=options["dry_run"],
            allow_partial=options["allow_partial"],
            advisor_email=options["advisor_email"],
            progress=self.progress,
        )
        for problem in report.rejected:
            self.stdout.write(f"Ligne {problem.line} rejetée : {problem.reason}")
        for problem in report.warnings:
            self.stdout.write(f"Ligne {problem.line} : {problem.reason}")
        style = self.style.ERROR if report.rolled_back else self.style.SUCCESS
        self.stdout.write(style(report.summary()))
        if report.rolled_back and not report.fatal and not options["allow_partial"]:
            self.stdout.write("Pour importer les seules lignes valides : --allow-partial.")
        if report.fatal:
            missing_advisor = "conseiller_email" in report.fatal
            hint = " Ou nommez le conseiller de tout le fichier : --advisor-email." if missing_advisor else ""
            self.fail(report.fatal + hint)
