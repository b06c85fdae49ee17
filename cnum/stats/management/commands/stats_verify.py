"""python manage.py stats_verify [--scope S] [--from D] [--to D] [--method python|sql]: recount the figures from the
records and compare them with the rollup tables; every differing cell is printed and the command exits with 1."""

from django.core.management.base import CommandError

from cnum.core.commands import CnumCommand
from cnum.stats import rollups_sql, verify
from cnum.stats.management.commands.stats import iso_date
from cnum.stats.scopes import SYNTAX, Scope, ScopeError, ScopeKind, activities

SHOWN = 200


class Command(CnumCommand):
    help = "Recompte les statistiques à partir des activités et les compare aux tables d'agrégats."
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--scope", help=f"Un seul périmètre ({SYNTAX}) ; tous par défaut.")
        parser.add_argument("--from", dest="since", type=iso_date, help="Premier jour (AAAA-MM-JJ) : mois entiers.")
        parser.add_argument("--to", dest="until", type=iso_date, help="Dernier jour (AAAA-MM-JJ) : mois entiers.")
        parser.add_argument(
            "--method",
            choices=verify.METHODS,
            help="python : les activités du périmètre, une à une (par défaut avec --scope) ; sql : une "
            "reconstruction complète par la base, annulée après lecture (par défaut sans --scope).",
        )

    def handle(self, *args, scope=None, method=None, **options):
        since, until = (iso_date(d) if isinstance(d, str) else d for d in (options["since"], options["until"]))
        if since and until and since > until:
            self.fail("La date de début (--from) est postérieure à la date de fin (--to).")
        try:
            parsed = Scope.parse(scope) if scope else None
            if parsed:
                parsed.check_exists()
                parsed = parsed.canonical()
        except ScopeError as error:
            self.fail(str(error))
        method = method or ("python" if parsed else "sql")
        national = Scope(ScopeKind.NATIONAL)
        total = activities(parsed or national, since, until).count() if method == "python" else len(rollups_sql.STEPS)
        by_activity = method == "python"
        desc, unit = ("Activités recomptées", " activités") if by_activity else ("Étapes du recompte", " étapes")
        with self.progress(total=total, desc=desc, unit=unit) as bar:
            found = verify.differences(parsed, since, until, method=method, progress=bar.update)
        for difference in found[:SHOWN]:
            self.stdout.write(str(difference))
        if len(found) > SHOWN:
            self.stdout.write(f"… et {len(found) - SHOWN} autres.")
        if found:
            raise CommandError(f"{len(found)} valeurs des tables d'agrégats diffèrent du recomptage.", returncode=1)
        self.stdout.write(self.style.SUCCESS("Les tables d'agrégats sont égales au recomptage des activités."))
