"""python manage.py stats_rebuild: empty the rollup tables and sum every activity again."""

from cnum.activities.models import Activity
from cnum.core.commands import CnumCommand
from cnum.stats import rollups


class Command(CnumCommand):
    help = "Reconstruit les tables d'agrégats des statistiques à partir des activités."

    def handle(self, *args, **options):
        total = Activity.objects.count()
        with self.progress(total=total, desc="Activités agrégées") as bar:
            counts = rollups.rebuild(progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"Tables d'agrégats reconstruites à partir de {total} activités : "
                f"{counts['StatCell']} cellules, "
                f"{counts['StatPeople']} comptes de personnes distinctes."
            )
        )
