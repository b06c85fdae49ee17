"""Large exports of the activity list as background tasks (issue #21, deliverable 1; issue #20, deliverable 4): over
the threshold, GET explains and POST queues the export; the task's page offers the file, to its author only, with
what the author's role sees when the task runs."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cnum.core.enums import JobStatus
from cnum.core.models import Job
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.core.worker import run_queued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.CNUM_TASKS_ROWS_THRESHOLD = 3
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"


@pytest.fixture
def activities(advisor):
    mine = [ActivityFactory(advisor=advisor, date=datetime.date(2025, 3, day)) for day in range(1, 6)]
    ActivityFactory(advisor=advisor, date=datetime.date(2024, 3, 1))
    ActivityFactory(date=datetime.date(2025, 3, 15))  # another advisor's
    return mine


def _export(client, fmt, query):
    url = reverse("activities:export", kwargs={"fmt": fmt})
    page = client.get(url, query)
    assert page.status_code == 200 and "Préparer le fichier" in page.content.decode()
    assert not Job.objects.exists()  # GET never writes
    response = client.post(f"{url}?{page.context['query']}")
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    run_queued()
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_is_prepared_by_a_task_with_the_list_filters(advisor_client, activities, fmt):
    job = _export(advisor_client, fmt, {"since": "2025-01-01"})
    assert job.status == JobStatus.DONE and job.processed == job.total == 5
    assert "Télécharger le fichier" in advisor_client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    response = advisor_client.get(reverse("core:job_file", args=[job.pk]))
    assert response.status_code == 200 and f'.{fmt}"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode()), delimiter=";"))
    else:
        rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 6 and {row[1] for row in rows[1:]} == {f"2025-03-0{day}" for day in range(1, 6)}


def test_a_small_export_is_still_answered_at_once(advisor_client, activities):
    response = advisor_client.get(reverse("activities:export", kwargs={"fmt": "csv"}), {"until": "2024-12-31"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert not Job.objects.exists()


def test_the_file_is_its_authors_only(advisor_client, activities, client):
    job = _export(advisor_client, "csv", {})
    client.force_login(UserFactory(programme_team=True))
    assert client.get(reverse("core:job_file", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404


def test_a_role_taken_back_before_the_task_runs_exports_nothing(advisor_client, advisor, activities):
    url = reverse("activities:export", kwargs={"fmt": "csv"})
    advisor_client.post(url)
    advisor.user.roles.all().delete()
    run_queued()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and "vous a été retiré" in job.error and not job.file
