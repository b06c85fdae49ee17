"""The dashboard's PDF fact sheet is prepared by a background task (issue #20, deliverable 3): GET offers it without
writing anything, POST queues it, and the task's page offers the PDF to its author."""

import pytest
from django.urls import reverse

from cnum.core.enums import JobStatus
from cnum.core.models import Job
from tests.accounts.factories import UserFactory
from tests.core.worker import run_queued

pytestmark = pytest.mark.django_db
QUERY = "periode=tout&scope=national"


@pytest.fixture
def programme(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"
    client.force_login(UserFactory(programme_team=True))
    return client


def test_the_fiche_is_prepared_by_a_task_and_offered_on_its_page(programme):
    url = f"{reverse('stats:export', args=['pdf'])}?{QUERY}"
    page = programme.get(url)
    assert page.status_code == 200 and "Préparer la fiche" in page.content.decode() and not Job.objects.exists()
    response = programme.post(url)
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.label.startswith("Fiche PDF « ") and job.params["scope"] == "national"
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    download = programme.get(reverse("core:job_file", args=[job.pk]))
    assert download.status_code == 200
    assert 'filename="statistiques-national-tout.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_dashboard_offers_the_fiche_as_a_form(programme):
    html = programme.get(reverse("stats:dashboard"), {"periode": "tout"}).content.decode()
    assert f'<form method="post" action="{reverse("stats:export", args=["pdf"])}?periode=tout' in html
    assert "Préparer la fiche (PDF)" in html
