"""python manage.py stats_rebuild [--method sql|python]: empty the rollup tables and sum every activity again."""

import time

from cnum.activities.models import Activity
from cnum.core.commands import CnumCommand
from cnum.stats import rollups, rollups_sql


class Command(CnumCommand):
    help = "Reconstruit les tables d'agrégats des statistiques à partir des activités."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--method",
            choices=["sql", "python"],
            default="sql",
            help="sql : des GROUP BY dans la base (rapide, par défaut) ; python : la fonction de référence, activité "
            "par activité (mêmes tables, voir docs/statistics.md).",
        )

    def handle(self, *args, method="sql", **options):
        total = Activity.objects.count()
        if method == "sql":
            self.stdout.write(f"Agrégation de {total} activités par la base de données…")
            started = time.perf_counter()

            with self.progress(total=len(rollups_sql.STEPS), desc="Étapes d'agrégation", unit=" étapes") as bar:

                def step(name):
                    bar.update(1)
                    if self.verbosity:
                        self.stdout.write(f"  {name} : {time.perf_counter() - started:.1f} s")

                counts = rollups_sql.rebuild(progress=step)
        else:
            with self.progress(total=total, desc="Activités agrégées") as bar:
                counts = rollups.rebuild(progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Tables d'agrégats reconstruites à partir de {total} activités : "
                f"{counts['StatCell']} cellules, {counts['StatPeople']} comptes de personnes distinctes."
            )
        )
