"""A web import run by the real task worker, killed half-way (SIGKILL) and started again (issue #20, deliverable 3):
nothing of the first run stays, the second imports every row once, the figures equal a recount, and the task's page
polled by HTMX showed a progress bar while it ran, then ends on the import's report.

The worker is a real `python manage.py tasks_worker` process on the test's own database (`worker_database`): the test
commits (transactional), and on SQLite its in-memory database is copied to a file for the time of the test."""

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse

from bench.activities_import import registry, write_file
from cnum.activities.models import Activity
from cnum.advisors.models import Advisor, Contract, Team, TeamMembership
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from cnum.sites.models import Site
from cnum.structures.models import Structure
from tests.accounts.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
#: Enough rows for the worker to be caught half-way: its progress file is written once a second at most, and the
#: import reads ≈ 20,000 rows a second (issue #20).
ROWS = 60_000
#: Seconds a worker may take (two Django start-ups and an import on a loaded CI machine).
PATIENCE = 120
WORKER = ["manage.py", "tasks_worker", "--batch", "--no-startup-delay", "--interval", "0", "--no-schedule"]


@pytest.fixture
def worker_database(transactional_db, tmp_path):
    """The environment that points a subprocess at this test's database.

    PostgreSQL: the test database itself. SQLite: the test database lives in memory, out of another process's reach;
    it is copied to a file (the backup API), and this process's connection moves to that file until the test ends
    (its in-memory database is kept open, untouched, and comes back afterwards)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(settings_dict["USER"] or "", safe="")
        password = quote(settings_dict["PASSWORD"] or "", safe="")
        credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
        host = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}"
        yield {"DATABASE_URL": f"postgres://{credentials}{host}/{settings_dict['NAME']}"}
        return
    path = tmp_path / "test-worker.sqlite3"
    connection.ensure_connection()
    memory, name = connection.connection, settings_dict["NAME"]
    with sqlite3.connect(path) as copy:
        memory.backup(copy)
    copy.close()
    connection.connection = None  # in memory, `close()` would be a no-op (closing would destroy the database)
    settings_dict["NAME"] = str(path)
    try:
        yield {"CNUM_SQLITE_PATH": str(path)}
    finally:
        connection.close()
        settings_dict["NAME"] = name
        connection.connection = memory


@pytest.fixture
def programme(worker_database, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"
    client.force_login(UserFactory(programme_team=True))
    client.environment = {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CNUM_SQLITE_PATH")},
        **worker_database,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CNUM_VAR_DIR": str(tmp_path / "var"),
        "CNUM_TASKS_PROGRESS_DIR": str(settings.CNUM_TASKS_PROGRESS_DIR),
    }
    return client


def start_worker(client, log: Path) -> subprocess.Popen:
    with log.open("ab") as output:  # the worker has its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, *WORKER], cwd=ROOT, env=client.environment, stdout=output, stderr=output
        )


def poll_until_rows_done(client, job: Job, worker: subprocess.Popen) -> str:
    """Poll the progress URL as the task's page does (HTMX) until it shows rows done; its answer."""
    url, deadline = reverse("core:job_progress", args=[job.pk]), time.monotonic() + PATIENCE
    while time.monotonic() < deadline and worker.poll() is None:
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, "la tâche s'est terminée avant d'avoir été interrompue"
        snapshot = response.context["snapshot"]
        if snapshot is not None and snapshot.n > 0:
            assert snapshot.n < snapshot.total
            return response.content.decode()
        time.sleep(0.02)
    pytest.fail(f"aucune ligne traitée avant la fin du travailleur (code {worker.poll()})")


def test_a_web_import_survives_a_worker_killed_half_way(programme, tmp_path):
    names = registry(Advisor, Contract, Site, Structure, Team, TeamMembership)
    path = tmp_path / "activites.csv"
    write_file(path, ROWS, names)
    response = programme.post(
        reverse("core:import_upload"), {"format": "cnum-csv", "file": SimpleUploadedFile(path.name, path.read_bytes())}
    )
    assert response.context["report"].total == ROWS and not response.context["report"].rejected
    response = programme.post(reverse("core:import_confirm"), {"token": response.context["token"]})
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])

    log = tmp_path / "worker.log"
    first = start_worker(programme, log)
    try:
        html = poll_until_rows_done(programme, job, first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=PATIENCE)
    assert 'role="progressbar"' in html and "lignes" in html
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1), log.read_text()
    assert Activity.objects.count() == 0  # the import's transaction died with its worker

    second = start_worker(programme, log)
    assert second.wait(timeout=PATIENCE) == 0, log.read_text()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2), log.read_text()
    assert Activity.objects.count() == ROWS
    assert not Activity.objects.values("source_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    call_command("stats_verify", stdout=io.StringIO(), stderr=io.StringIO())  # exits 1 on any differing cell

    progress = programme.get(reverse("core:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert progress.status_code == 204 and progress["HX-Redirect"] == reverse("core:job_detail", args=[job.pk])
    page = programme.get(progress["HX-Redirect"])
    assert page.context["report"].created == ROWS and job.result["message"] in page.content.decode()
