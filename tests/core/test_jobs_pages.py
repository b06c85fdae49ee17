"""« Mes tâches » and a web import of a few thousand rows run as a background task: the confirmation leads to the
task's page, whose progress bar HTMX polls, and which ends on the import's report; a person sees its own tasks only."""

import datetime
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cnum.activities.models import Activity
from cnum.core import jobs
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from tests.accounts.factories import UserFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory, SiteFactory
from tests.core.worker import run_queued

pytestmark = pytest.mark.django_db
ROWS = 3000


@pytest.fixture
def programme(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"
    user = UserFactory(programme_team=True)
    client.force_login(user)
    client.user = user
    return client


def _activities_csv(rows: int, *, bad_rows=()) -> bytes:
    advisor = AdvisorFactory(email="camille@exemple.fr")
    ContractFactory(advisor=advisor, start=datetime.date(2024, 1, 1))
    site = SiteFactory()
    lines = [["id", "date", "type", "duree", "type_lieu", "lieu_id", "thematiques", "conseiller_email"]]
    for number in range(1, rows + 1):
        date = "2025-13-45" if number in bad_rows else "15/03/2025"
        email = "camille@exemple.fr"
        lines.append([f"A{number}", date, "individuel", "45", "Lieu d'activité", site.pk, "email", email])
    return "\n".join(";".join(str(cell) for cell in line) for line in lines).encode()


def _upload_and_confirm(client, content: bytes):
    response = client.post(
        reverse("core:import_upload"), {"format": "cnum-csv", "file": SimpleUploadedFile("activites.csv", content)}
    )
    assert response.context["report"].total == ROWS
    return client.post(reverse("core:import_confirm"), {"token": response.context["token"]})


def test_a_web_import_of_thousands_of_rows_runs_as_a_task_and_ends_on_its_report(programme):
    response = _upload_and_confirm(programme, _activities_csv(ROWS, bad_rows={7}))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert Activity.objects.count() == 0  # nothing imported in the request

    page = programme.get(response["Location"]).content.decode()
    assert 'hx-get="{}"'.format(reverse("core:job_progress", args=[job.pk])) in page and 'aria-live="polite"' in page

    run_queued()
    assert Activity.objects.count() == ROWS - 1
    progress = programme.get(reverse("core:job_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert progress.status_code == 204 and progress["HX-Redirect"] == reverse("core:job_detail", args=[job.pk])
    report_page = programme.get(reverse("core:job_detail", args=[job.pk]))
    html = report_page.content.decode()
    assert report_page.context["report"].created == ROWS - 1 and len(report_page.context["rejected"]) == 1
    assert "Lignes rejetées (1)" in html and "2025-13-45" in html
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.processed == ROWS
    assert not jobs.Path(job.params["path"]).exists()  # the upload is deleted once imported


def test_an_import_task_run_again_does_not_duplicate_rows(programme):
    _upload_and_confirm(programme, _activities_csv(ROWS))
    job = Job.objects.get()
    run_queued()
    jobs.run_job.enqueue(job.pk)  # the queue replays it (a worker restarted after the commit)
    run_queued()
    assert Activity.objects.count() == ROWS


def test_a_small_import_stays_in_the_request(programme):
    content = _activities_csv(3)
    response = programme.post(
        reverse("core:import_upload"), {"format": "cnum-csv", "file": SimpleUploadedFile("a.csv", content)}
    )
    response = programme.post(reverse("core:import_confirm"), {"token": response.context["token"]})
    assert response.status_code == 200 and Activity.objects.count() == 3 and not Job.objects.exists()


def test_the_progress_bar_shows_rows_rate_and_time_left(programme, monkeypatch):
    job = jobs.start(kind="import", label="Import de « a.csv »", user=programme.user, params={"path": "/nope"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    progress = jobs.Progress(job.pk)
    progress.unit = "lignes"
    progress(total=10_000, desc="Activités").update(2_500)
    progress.close()
    monkeypatch.setattr(jobs.time, "time", lambda: progress.stage_started + 10)
    html = programme.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    assert 'role="progressbar"' in html and 'aria-valuenow="25"' in html
    assert "2\xa0500 sur 10\xa0000 lignes" in html
    assert "250 lignes/s" in html and "moins d&#x27;une minute restante" in html


def test_a_failed_task_shows_its_reason_and_can_be_retried_by_its_author(programme):
    job = jobs.start(kind="import", label="Import", user=programme.user, params={"path": "/disparu.csv"})
    run_queued()
    html = programme.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "Le fichier déposé n&#x27;est plus disponible" in html and "Relancer la tâche" in html
    response = programme.post(reverse("core:job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_my_tasks_lists_mine_only_and_others_are_not_found(programme, client):
    mine = jobs.start(kind="import", label="Mon import", user=programme.user)
    theirs = jobs.start(kind="import", label="Son import", user=UserFactory(programme_team=True))
    html = programme.get(reverse("core:job_list")).content.decode()
    assert "Mon import" in html and "Son import" not in html
    for name in ("core:job_detail", "core:job_progress", "core:job_file"):
        assert programme.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert programme.post(reverse("core:job_retry", args=[theirs.pk])).status_code == 404
    assert programme.get(reverse("core:job_detail", args=[mine.pk])).status_code == 200


def test_my_tasks_says_when_there_is_none(programme):
    html = programme.get(reverse("core:job_list")).content.decode()
    assert "Vous n'avez lancé aucune tâche" in html


def test_reading_a_tasks_page_or_its_progress_does_not_write_the_session(programme):
    """On SQLite a session write waits for the lock an import task holds to its end (cnum.core.sessions)."""
    from django.contrib.sessions.models import Session

    job = jobs.start(kind="import", label="Import", user=programme.user, params={"path": "/nope"})

    def expiry():
        return Session.objects.get(session_key=programme.session.session_key).expire_date

    before = expiry()
    for name in ("core:job_detail", "core:job_progress"):
        response = programme.get(reverse(name, args=[job.pk]), headers={"HX-Request": "true"})
        assert response.status_code == 200 and "Cookie" in response["Vary"]
    assert expiry() == before
    later = timezone.now() + datetime.timedelta(seconds=settings.CNUM_SESSION_REFRESH_SECONDS + 1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        programme.get(reverse("core:job_list"))  # any other page renews the idle timeout, once the interval passed
    assert expiry() > before
