"""Runs the queued background tasks in the test's own process and transaction, as django-tasks-db's worker does
(its Worker.run_task). The end-to-end test (tests/core/test_jobs.py) runs the real `tasks_worker` command."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued() -> int:
    """Run every ready task, in order, until none is left; how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (task := DBTaskResult.objects.ready().first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    return ran
