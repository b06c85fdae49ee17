"""bench.web_import reads the progress bar the task's page polls: what it parses is what the partial says."""

import pytest
from django.urls import reverse

from bench import web_import
from cnum.core import jobs
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_the_bench_reads_the_rows_done_from_the_progress_partial(client, settings, tmp_path):
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path
    user = UserFactory(programme_team=True)
    client.force_login(user)
    job = jobs.start(kind="import", label="Import", user=user, params={"path": "/nope"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    progress = jobs.Progress(job.pk)
    progress.unit = "lignes"
    progress(total=100_000, desc="Activités").update(41_000)
    progress.close()

    html = client.get(reverse("core:job_progress", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()

    assert web_import.parse(html) == {"percent": 41, "n": 41_000, "total": 100_000}
    assert web_import.parse("<p>Démarrage…</p>") is None


def test_progress_must_rise_within_a_run():
    assert web_import._rises([{"n": 0}, {"n": 9_000}, {"n": 41_000}])
    assert not web_import._rises([{"n": 41_000}, {"n": 0}])  # a dead worker's count shown before the new one's
    assert not web_import._rises([{"n": 5}, {"n": 5}])
