"""python manage.py tasks_schedule: queues the daily work whose hour has come (for a cron, every few minutes, where
the worker runs with --no-schedule); the worker runs it."""

from cnum.core import schedule
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = "Met en file les tâches planifiées arrivées à leur heure (données ouvertes de la nuit)."
    changes_data = False

    def handle(self, *args, **options):
        queued = schedule.enqueue_due()
        for job in queued:
            self.stdout.write(f"Mise en file : {job.label} (tâche n° {job.pk}).")
        if not queued:
            self.stdout.write("Rien à mettre en file.")
