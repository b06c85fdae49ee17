"""python manage.py fiche_territoriale --scope departement:69 [--from AAAA-MM-JJ] [--to AAAA-MM-JJ] --output F.pdf"""

from pathlib import Path

from cnum.core.commands import CnumCommand
from cnum.stats import exports, presenter
from cnum.stats.management.commands.stats import iso_date
from cnum.stats.scopes import SYNTAX, Scope, ScopeError


class Command(CnumCommand):
    help = "Écrit la fiche territoriale (PDF) d'un périmètre et d'une période : chiffres clés, thématiques, mois."
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--scope", default="national", help=f"Périmètre : {SYNTAX}.")
        parser.add_argument("--from", dest="since", type=iso_date, help="Premier jour inclus (AAAA-MM-JJ).")
        parser.add_argument("--to", dest="until", type=iso_date, help="Dernier jour inclus (AAAA-MM-JJ).")
        parser.add_argument("--output", required=True, help="Fichier PDF à écrire.")

    def handle(self, *args, output, **options):
        since, until = (iso_date(d) if isinstance(d, str) else d for d in (options["since"], options["until"]))
        if since and until and since > until:
            self.fail("La date de début (--from) est postérieure à la date de fin (--to).")
        try:
            scope = Scope.parse(options["scope"])
            scope.check_exists()
        except ScopeError as error:
            self.fail(str(error))
        path = Path(output)
        path.write_bytes(exports.fiche_pdf(presenter.build(scope, since, until)))
        self.stdout.write(self.style.SUCCESS(f"Fiche territoriale « {scope.label} » écrite dans {path}."))
