"""python manage.py stats_rebuild [--method python|sql]: empty the rollup tables and sum every activity again."""

from cnum.activities.models import Activity
from cnum.core.commands import CnumCommand
from cnum.stats import rollups, rollups_sql


class Command(CnumCommand):
    help = "Reconstruit les tables d'agrégats des statistiques à partir des activités."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--method",
            choices=["python", "sql"],
            default="python",
            help="python : la fonction de référence, activité par activité ; sql : des GROUP BY dans la base "
            "(mêmes tables, voir docs/statistics.md).",
        )

    def handle(self, *args, method="python", **options):
        total = Activity.objects.count()
        if method == "sql":
            self.stdout.write(f"Agrégation de {total} activités par la base de données…")
            counts = rollups_sql.rebuild()
        else:
            with self.progress(total=total, desc="Activités agrégées") as bar:
                counts = rollups.rebuild(progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Tables d'agrégats reconstruites à partir de {total} activités : "
                f"{counts['StatCell']} cellules, {counts['StatPeople']} comptes de personnes distinctes."
            )
        )
