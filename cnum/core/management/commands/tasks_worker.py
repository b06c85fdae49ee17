"""python manage.py tasks_worker: runs the background tasks (django-tasks-db's `db_worker`), puts back in the queue
the work a previous worker left half-done, finishes what a dead process left outside any job (`jobs.at_worker_start`:
the activities whose rollups are still pending, even when no web worker runs) and queues the daily work at its hour
(cnum.core.schedule).

Ctrl+C (or SIGTERM) stops it after the running task; twice, at once — the task's work is rolled back and runs again
at the next start (docs/adr/0007-background-tasks.md)."""

import logging
import threading
import time

from django.db import OperationalError, close_old_connections
from django_tasks_db.management.commands import db_worker

from cnum.core import jobs, schedule

logger = logging.getLogger("cnum.jobs")
SCHEDULE_EVERY = 60  # seconds


class Command(db_worker.Command):
    help = "Exécute les tâches de fond (imports, exports, PDF, courriels, statistiques) et les tâches planifiées."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule", action="store_true", help="Ne pas lancer les tâches planifiées (données ouvertes)."
        )

    def handle(self, *args, no_schedule=False, **options):
        for job in jobs.recover_interrupted():
            logger.warning("Tâche %s (%s) interrompue : remise en file.", job.pk, job.kind)
        jobs.worker_starting()  # what a dead process left outside any job (the statistics' pending activities)
        if not no_schedule and not options.get("batch"):
            threading.Thread(target=self.schedule_loop, name="cnum-schedule", daemon=True).start()
        return super().handle(*args, **options)

    def schedule_loop(self):
        while True:
            close_old_connections()
            try:
                for job in schedule.enqueue_due():
                    logger.info("Tâche planifiée mise en file : %s", job.label)
            except OperationalError as error:  # SQLite busy with a long import: next minute
                logger.warning("Planification remise à plus tard : %s", error)
            time.sleep(SCHEDULE_EVERY)
