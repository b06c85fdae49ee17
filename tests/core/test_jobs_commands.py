"""Long commands as background tasks: the programme team launches them from « Lancer une tâche », the worker runs
them with their progress, a command's error is the task's reason; the open data is queued every night."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from cnum.core import jobs, schedule
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from cnum.stats import jobs as stats_jobs
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory
from tests.core.worker import run_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"
    settings.CNUM_OPENDATA_DIR = tmp_path / "opendata"
    user = UserFactory(programme_team=True)
    client.force_login(user)
    return client


def test_the_programme_team_launches_the_statistics_rebuild_as_a_task(programme):
    ActivityFactory.create_batch(3)
    page = programme.get(reverse("core:job_launch")).content.decode()
    assert "Reconstruire les tables d&#x27;agrégats des statistiques" in page
    assert "Régénérer les données ouvertes" in page
    response = programme.post(reverse("core:job_launch"), {"command": "stats_rebuild"})
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk]) and job.status == JobStatus.QUEUED
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["message"].startswith("Tables d'agrégats reconstruites à partir de 3 activités")
    html = programme.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "Tables d&#x27;agrégats reconstruites à partir de 3 activités" in html


def test_the_verification_reports_its_progress_through_the_command_bar(programme, monkeypatch):
    ActivityFactory.create_batch(2)
    seen = []
    original = jobs.Progress.__call__

    def recorded(self, iterable=None, **kwargs):
        seen.append(kwargs.get("desc"))
        return original(self, iterable, **kwargs)

    monkeypatch.setattr(jobs.Progress, "__call__", recorded)
    programme.post(reverse("core:job_launch"), {"command": "stats_verify"})
    run_queued()
    job = Job.objects.get()
    assert job.status == JobStatus.DONE and seen  # CnumCommand.progress reported to the task, not to a terminal
    assert job.total is not None and job.processed == job.total


def test_the_open_data_is_written_by_its_task(programme, settings):
    programme.post(reverse("core:job_launch"), {"command": "opendata_export"})
    run_queued()
    assert Job.objects.get().status == JobStatus.DONE
    assert (settings.CNUM_OPENDATA_DIR / "activite-departement-mois.csv").exists()


def test_a_command_error_is_the_reason_of_the_failed_task(programme):
    user = UserFactory()
    options = {"first": "2025-06", "last": "2025-01"}
    job = jobs.start(kind="opendata_export", label="Données ouvertes", user=user, params={"options": options})
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "Le premier mois (--from) est postérieur au dernier (--to)."


def test_only_listed_commands_can_be_launched(programme):
    response = programme.post(reverse("core:job_launch"), {"command": "flush"})
    assert response.status_code == 400 and "Choisissez une tâche de la liste." in response.content.decode()
    assert not Job.objects.exists()


def test_others_cannot_launch_commands(client):
    client.force_login(UserFactory())
    assert client.get(reverse("core:job_launch")).status_code == 403
    assert client.post(reverse("core:job_launch"), {"command": "stats_rebuild"}).status_code == 403
    assert not Job.objects.exists()


def test_the_open_data_is_scheduled_every_night_at_its_hour(settings):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert schedule.enqueue_due(datetime.datetime(2026, 12, 2, 2, 0, tzinfo=paris)) == []
    (job,) = schedule.enqueue_due(datetime.datetime(2026, 12, 2, 3, 5, tzinfo=paris))
    assert job.kind == "opendata_export" and job.started_by is None
    assert job.label == "Données ouvertes de la nuit du 02/12/2026"
    settings.CNUM_OPENDATA_HOUR = ""
    assert stats_jobs.opendata_hour() is None
