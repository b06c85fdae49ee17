"""Background work (cnum.core.jobs): enqueue → worker → result, failure reported in French and retried, nothing done
twice, progress written for the page, the nightly schedule queued once a day."""

import datetime
import io
import json
import zoneinfo

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from cnum.core import jobs, schedule
from cnum.core.enums import JobStatus
from cnum.core.models import AuditEvent, Job
from tests.accounts.factories import UserFactory
from tests.core.worker import run_queued

CALLS = []


def _counting(*, job, progress):
    """Writes one audit event per run (a database write the "done" mark must share a transaction with)."""
    CALLS.append(job.pk)
    for _ in progress(range(job.params.get("items", 3)), desc="Essai"):
        pass
    if job.params.get("fail_until", 0) >= len(CALLS):
        raise jobs.JobFailed("Le fichier n'est pas lisible.")
    if job.params.get("crash"):
        raise ValueError("boom")
    return jobs.Outcome(result={"message": f"{len(CALLS)} passage(s)"})


@pytest.fixture(autouse=True)
def test_kind(settings, tmp_path, monkeypatch):
    settings.CNUM_TASKS_PROGRESS_DIR = tmp_path / "progress"
    monkeypatch.setattr(schedule, "_daily", {})  # the apps' own daily work (the open data) out of the way
    CALLS.clear()
    jobs.register("essai", _counting, atomic=True)
    yield
    jobs._kinds.pop("essai", None)


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_end_to_end_through_the_database_queue_and_the_real_worker():
    job = jobs.start(kind="essai", label="Essai", params={"items": 5})
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"

    call_command("tasks_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0, stdout=io.StringIO())

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result == {"message": "1 passage(s)"}
    assert (job.processed, job.total, job.attempts) == (5, 5, 1)
    assert DBTaskResult.objects.get(pk=job.task_id).status == "SUCCESSFUL"
    assert not jobs.progress_path(job.pk).exists()  # the live progress is gone once the outcome is recorded


@pytest.mark.django_db(transaction=True)  # the real worker command closes its connections between tasks
def test_the_worker_replays_what_the_apps_declared_and_a_failure_there_does_not_stop_it(monkeypatch, caplog):
    replayed = []

    def broken():
        raise RuntimeError("base occupée")

    monkeypatch.setattr(jobs, "_at_worker_start", [])
    jobs.at_worker_start(broken)
    jobs.at_worker_start(lambda: replayed.append("fait"))
    job = jobs.start(kind="essai", label="Essai")

    call_command("tasks_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0, stdout=io.StringIO())

    assert replayed == ["fait"]
    assert any("Reprise au démarrage" in record.getMessage() for record in caplog.records)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE  # the worker went on with its queue


@pytest.mark.django_db
def test_a_job_done_is_not_done_again_when_its_task_runs_twice():
    job = jobs.start(kind="essai", label="Essai")
    run_queued()
    jobs.run_job.enqueue(job.pk)  # the same work queued again (a duplicate entry, a replayed queue)
    run_queued()
    assert CALLS == [job.pk]
    assert Job.objects.get(pk=job.pk).attempts == 1


@pytest.mark.django_db
def test_a_failure_is_reported_in_french_and_a_retry_runs_it_again():
    user = UserFactory()
    job = jobs.start(kind="essai", label="Essai", user=user, params={"fail_until": 1})
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "Le fichier n'est pas lisible."

    jobs.retry(job)
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error == "" and job.attempts == 2
    assert CALLS == [job.pk, job.pk]


@pytest.mark.django_db
def test_an_unexpected_error_is_reported_without_its_traceback():
    job = jobs.start(kind="essai", label="Essai", params={"crash": True})
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "erreur inattendue" in job.error and "boom" not in job.error and f"n° {job.pk}" in job.error
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"  # the traceback stays for the operators


@pytest.mark.django_db
def test_a_worker_stopped_mid_task_leaves_nothing_and_the_job_runs_again_at_restart(monkeypatch):
    from cnum.core import audit
    from cnum.structures.models import Structure

    runs = []

    def writes_then_dies(*, job, progress):
        runs.append(job.pk)
        audit.record_bulk(Structure, summary={"essai": 1}, description="Essai")
        if len(runs) == 1:  # the first run: the worker is killed in the middle
            raise KeyboardInterrupt
        return jobs.Outcome(result={"message": "fini"})

    jobs.register("essai", writes_then_dies, atomic=True)
    job = jobs.start(kind="essai", label="Essai")
    before = AuditEvent.objects.count()
    with pytest.raises(KeyboardInterrupt):
        jobs.run_job.call(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and AuditEvent.objects.count() == before  # rolled back

    jobs.Progress(job.pk)(total=10, desc="Essai").update(4)  # what the dead worker last wrote
    assert jobs.recover_interrupted() == [job]
    assert jobs.snapshot(job) is None  # the page no longer shows the dead worker's count: the work starts again
    run_queued()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2 and runs == [job.pk, job.pk]
    assert AuditEvent.objects.filter(object_repr="Essai").count() == 1


@pytest.mark.django_db
def test_progress_is_written_for_the_page_with_its_rate_and_time_left(monkeypatch):
    job = jobs.start(kind="essai", label="Essai")
    progress = jobs.Progress(job.pk)
    progress.unit = "lignes"
    bar = progress(total=400, desc="Lignes importées")
    bar.update(100)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    bar.update(100)
    state = json.loads(jobs.progress_path(job.pk).read_text())
    assert (state["n"], state["total"], state["desc"]) == (200, 400, "Lignes importées")
    monkeypatch.setattr(jobs.time, "time", lambda: state["since"] + 10)  # 200 rows in 10 s
    snapshot = jobs.snapshot(job)
    assert snapshot.percent == 50 and snapshot.rate == pytest.approx(20)
    assert snapshot.rate_text == "20 lignes/s" and snapshot.remaining_text == "moins d'une minute restante"


@pytest.mark.django_db
def test_progress_is_not_written_for_every_row(monkeypatch):
    job = jobs.start(kind="essai", label="Essai")
    progress = jobs.Progress(job.pk)
    real = jobs.Path.write_text
    written = []
    monkeypatch.setattr(jobs.Path, "write_text", lambda self, text: written.append(text) or real(self, text))
    for _ in progress(range(5000), desc="Lignes"):
        pass
    assert len(written) < 10  # the start, the end, and one a second at most in between


@pytest.mark.django_db
def test_the_nightly_work_is_queued_once_a_day_from_its_hour():
    jobs.register("essai", _counting)
    schedule.daily(kind="essai", label="Essai nocturne", hour=3)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    try:
        assert schedule.enqueue_due(datetime.datetime(2026, 12, 2, 2, 59, tzinfo=paris)) == []
        queued = schedule.enqueue_due(datetime.datetime(2026, 12, 2, 3, 0, tzinfo=paris))
        assert [job.label for job in queued] == ["Essai nocturne du 02/12/2026"]
        assert schedule.enqueue_due(datetime.datetime(2026, 12, 2, 23, 0, tzinfo=paris)) == []
        assert len(schedule.enqueue_due(datetime.datetime(2026, 12, 3, 4, 0, tzinfo=paris))) == 1
    finally:
        schedule.daily(kind="essai", label="", hour=None)
    assert Job.objects.filter(kind="essai").count() == 2


@pytest.mark.django_db
def test_the_schedule_command_queues_what_is_due():
    schedule.daily(kind="essai", label="Essai nocturne", hour=0)
    try:
        out = io.StringIO()
        call_command("tasks_schedule", stdout=out)
        assert "Mise en file : Essai nocturne" in out.getvalue()
        call_command("tasks_schedule", stdout=(again := io.StringIO()))
        assert "Rien à mettre en file." in again.getvalue()
    finally:
        schedule.daily(kind="essai", label="", hour=None)
