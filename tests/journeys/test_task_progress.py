"""A running task's page in a real browser: the progress bar follows the task by HTMX polling, stays accessible,
and the page goes on to the result when the task ends (issue #20, deliverable 4)."""

import re

import pytest
from django.utils import timezone

from cnum.core import jobs
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from tests.accounts.factories import UserFactory
from tests.activities.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium"),
]


def test_the_progress_bar_follows_the_task_and_ends_on_its_result(journey, transactional_db, settings, tmp_path):
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"
    team = UserFactory(programme_team=True)
    job = jobs.start(kind="import", label="Import de « activites.csv »", user=team, params={"path": "/x"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    progress = jobs.Progress(job.pk)
    progress.unit = "lignes"
    bar = progress(total=10_000, desc="Activités")
    bar.update(1_000)
    progress.close()  # written now, not a second later

    journey.login(team.email)
    page = journey.visit("core:job_detail", job.pk)
    meter = page.get_by_role("progressbar")
    assert meter.get_attribute("aria-valuenow") == "10"
    bar.update(4_000)
    progress.close()
    page.locator("[role=progressbar][aria-valuenow='50']").wait_for()  # polled, not reloaded
    assert re.search(r"5\s000 sur 10\s000 lignes", page.locator("#job-progress").inner_text())
    journey.checked()

    result = {"report": {"format": "cnum-csv", "total": 10_000, "created": 10_000}, "message": "ok"}
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now(), result=result)
    page.get_by_text(re.compile("10000 lignes lues : 10000 créées")).wait_for()  # HX-Redirect to the result
    assert page.get_by_role("progressbar").count() == 0
    journey.checked()
