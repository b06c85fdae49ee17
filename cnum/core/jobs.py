"""Background work: long imports, exports, PDFs, e-mails and the statistics, run by the task worker.

A piece of work is a `Job` row (who asked, what, where it stands, its outcome) and one entry in django-tasks' queue
that runs `run_job(job_id)`. Each kind of work is a handler registered here by the app that owns it (as import
formats are, cnum.core.imports): `cnum.core` imports no domain app.

Nothing is done twice (docs/adr/0007-background-tasks.md):
- `run_job` does nothing for a job already marked done;
- an `atomic` kind (imports, statistics) runs in one transaction with the mark "done": a worker that dies half-way
  leaves neither the work nor the mark, and the job runs again from the start when the worker restarts
  (`recover_interrupted`); a worker that dies after the commit finds the job done;
- scheduled work carries a `schedule_key` that the database keeps unique: one job per night, whoever enqueues it.

Progress goes to a small file per job (CNUM_TASKS_PROGRESS_DIR), at most once a second: an import holds its
transaction (and, on SQLite, the only write lock) until it ends, so rows written in the database during the work would
be invisible to the pages (same transaction) or wait for it to end (another connection).
"""

import io
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cnum.core import audit
from cnum.core.background import task
from cnum.core.enums import JobStatus
from cnum.core.models import Job

logger = logging.getLogger("cnum.jobs")

#: Seconds between two writes of a job's progress.
PROGRESS_EVERY = 1.0
UNEXPECTED = (
    "Une erreur inattendue a interrompu la tâche ; rien n'a été enregistré à moitié. Vous pouvez la relancer ; si "
    "l'erreur revient, signalez-la à l'équipe du programme (tâche n° {id})."
)
INTERRUPTED = "Interrompue par l'arrêt du service de tâches, reprise depuis le début."


class JobFailed(Exception):
    """Raised by a handler with a reason, in French, for the person who started the work."""


@dataclass
class Outcome:
    """What a handler hands back: a JSON summary for the result page and, optionally, a file to download."""

    result: dict = field(default_factory=dict)
    #: Relative to MEDIA_ROOT (see `output_path`).
    file: str = ""


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Callable[..., Outcome]
    #: Run the handler and mark the job done in one transaction (work that writes the database).
    atomic: bool = False
    #: Called once the job is recorded done (e.g. to delete an uploaded file no longer needed).
    on_done: Callable | None = None


_kinds: dict[str, JobKind] = {}


def register(name: str, handler: Callable[..., Outcome], *, atomic: bool = False, on_done=None) -> None:
    """Declare a kind of work: `handler(job=..., progress=...) -> Outcome`."""
    _kinds[name] = JobKind(name=name, handler=handler, atomic=atomic, on_done=on_done)


def kind(name: str) -> JobKind:
    return _kinds[name]


#: Management commands the programme team may launch from « Lancer une tâche », by name: their French label.
_commands: dict[str, str] = {}


def register_command(name: str, *, label: str, atomic: bool = False) -> None:
    """A management command as a kind of work of the same name: its output becomes the result, its `CommandError`
    the failure's reason, and its progress bar (CnumCommand.progress) the task's progress."""

    def handler(*, job, progress) -> Outcome:
        out = io.StringIO()
        try:
            call_command(name, stdout=out, **job.params.get("options", {}))
        except CommandError as error:
            raise JobFailed(str(error)) from error
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        return Outcome(result={"message": lines[-1] if lines else "Terminé.", "output": "\n".join(lines[-100:])})

    register(name, handler, atomic=atomic)
    _commands[name] = label


def commands() -> dict[str, str]:
    return dict(_commands)


def start(*, kind: str, label: str, user=None, params: dict | None = None, schedule_key: str | None = None) -> Job:
    """Record the job and put it in the queue, in one transaction (no job without its queue entry, nor the
    reverse)."""
    if kind not in _kinds:
        raise KeyError(kind)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, label=label[:300], started_by=user, params=params or {}, schedule_key=schedule_key
        )
        _enqueue(job)
    return job


def retry(job: Job) -> None:
    """Put a failed job back in the queue, as it was asked."""
    if job.status != JobStatus.FAILED:
        return
    with transaction.atomic():
        job.status, job.error, job.finished_at = JobStatus.QUEUED, "", None
        job.save(update_fields=["status", "error", "finished_at"])
        _enqueue(job)


def recover_interrupted() -> list[Job]:
    """Jobs left running by a worker that stopped (Ctrl+C twice, a crash, a reboot) go back in the queue.

    The worker runs this when it starts; cnum runs one worker (make run, docs/environment.md), so a job still
    "running" then was running in a worker that no longer exists. Its transaction was rolled back with it."""
    jobs = list(Job.objects.filter(status=JobStatus.RUNNING))
    for job in jobs:
        with transaction.atomic():
            job.status, job.error = JobStatus.QUEUED, INTERRUPTED
            job.save(update_fields=["status", "error"])
            _enqueue(job)
        progress_path(job.pk).unlink(missing_ok=True)  # the dead worker's last count: the work starts again
    return jobs


#: What `tasks_worker` replays as it starts, each app its own (registered from its AppConfig.ready).
_at_worker_start: list[Callable[[], object]] = []


def at_worker_start(function: Callable[[], object]) -> None:
    """Declare work a process that died may have left half-done outside any job, for the task worker to finish when
    it starts (the statistics count the activities still pending: docs/adr/0009-deferred-rollups.md). It must be
    safe to run at any time, and fast when there is nothing to do."""
    if function not in _at_worker_start:
        _at_worker_start.append(function)


def worker_starting() -> None:
    """Run what the apps declared with `at_worker_start`. One that fails is logged and does not stop the worker: what
    it left stays for its next chance (the statistics' next drain, at a write or a dashboard read)."""
    for function in _at_worker_start:
        try:
            function()
        except Exception:
            logger.exception("Reprise au démarrage du service de tâches (%s) en échec", function.__qualname__)


def _enqueue(job: Job) -> None:
    result = run_job.enqueue(job.pk)
    job.task_id = str(result.id)
    job.save(update_fields=["task_id"])


@task()
def run_job(job_id: int) -> str:
    """The queue's only task: run the job's handler once, and record its outcome or its failure."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status == JobStatus.DONE:
        return "déjà faite"
    job_kind = _kinds[job.kind]
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    progress = Progress(job.pk)
    try:
        with (
            audit.acting_as(_actor(job)),
            transaction.atomic() if job_kind.atomic else _nothing(),
            _reporting(progress),
        ):
            outcome = job_kind.handler(job=job, progress=progress)
            _finish(job, status=JobStatus.DONE, progress=progress, result=outcome.result, file=outcome.file)
    except JobFailed as error:
        _finish(job, status=JobStatus.FAILED, progress=progress, error=str(error))
        return "échec"
    except Exception:
        logger.exception("La tâche %s (%s) a échoué", job.pk, job.kind)
        _finish(job, status=JobStatus.FAILED, progress=progress, error=UNEXPECTED.format(id=job.pk))
        raise
    finally:
        progress.discard()
    if job_kind.on_done:
        job_kind.on_done(job)
    return "terminée"


def _actor(job: Job) -> audit.Actor:
    """Changes made by a job are the person's who started it (the audit trail says who imported what)."""
    if job.started_by is not None:
        return audit.actor_for_user(job.started_by)
    return audit.Actor(label=f"tâche planifiée {job.kind}")


def _finish(job: Job, *, status, progress, **fields) -> None:
    fields.setdefault("error", "")
    Job.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), processed=progress.n, total=progress.total, **fields
    )


@contextmanager
def _nothing():
    yield


# --- Progress -------------------------------------------------------------------------------------------------------

_current: ContextVar["Progress | None"] = ContextVar("cnum_job_progress", default=None)


@contextmanager
def _reporting(progress: "Progress"):
    token = _current.set(progress)
    try:
        yield
    finally:
        _current.reset(token)


def current_progress() -> "Progress | None":
    """The progress of the job this code runs in, if any (commands report to it: cnum.core.commands)."""
    return _current.get()


def progress_path(job_id: int) -> Path:
    return Path(settings.CNUM_TASKS_PROGRESS_DIR) / f"{int(job_id)}.json"


class Progress:
    """tqdm's shape, as importers and commands use it: `progress(iterable, total=, desc=)` or
    `with progress(total=, desc=) as bar: bar.update(n)`; `n`, `total`, `unit` and `refresh()` as well.

    Each call starts a new stage (a description and a total); the file is written at most once a second."""

    def __init__(self, job_id: int):
        self.path = progress_path(job_id)
        self.started = time.time()
        self.n, self.total, self.desc, self.unit = 0, None, "", ""
        self._written = 0.0

    def __call__(self, iterable: Iterable | None = None, *, total=None, desc: str = "", **_):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.n, self.total, self.desc = 0, total, desc or self.desc
        self.stage_started = time.time()
        self._write(force=True)
        return self if iterable is None else self._iterate(iterable)

    def _iterate(self, iterable):
        for item in iterable:
            yield item
            self.update(1)
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        self._write()

    def refresh(self) -> None:
        self._write()

    def close(self) -> None:
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._written < PROGRESS_EVERY:
            return
        self._written = now
        started = getattr(self, "stage_started", self.started)
        state = {"n": self.n, "total": self.total, "desc": self.desc, "unit": self.unit.strip(), "since": started}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, self.path)  # readers never see half a file

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Snapshot:
    """A running job's progress as its page shows it."""

    n: int
    total: int | None
    desc: str
    unit: str
    rate: float | None  # per second
    remaining: float | None  # seconds

    @property
    def percent(self) -> int | None:
        return min(100, int(100 * self.n / self.total)) if self.total else None

    @property
    def rate_text(self) -> str:
        """ "1 234 lignes/s", or "" before the first item."""
        if not self.rate:
            return ""
        rate = f"{self.rate:,.0f}".replace(",", "\xa0") if self.rate >= 10 else f"{self.rate:.1f}".replace(".", ",")
        return f"{rate} {self.unit or 'éléments'}/s"

    @property
    def remaining_text(self) -> str:
        """ "environ 3 min restantes", in words a person reads at a glance."""
        if self.remaining is None:
            return ""
        if self.remaining < 60:
            return "moins d'une minute restante"
        minutes = round(self.remaining / 60)
        if minutes < 60:
            return f"environ {minutes} min restantes"
        return f"environ {minutes // 60} h {minutes % 60:02d} restantes"


def snapshot(job: Job) -> Snapshot | None:
    """What the job's progress file says, with its rate and time left; None before the first write."""
    try:
        state = json.loads(progress_path(job.pk).read_text())
    except (OSError, ValueError):
        return None
    elapsed = max(time.time() - state["since"], 0.001)
    rate = state["n"] / elapsed if state["n"] else None
    remaining = (state["total"] - state["n"]) / rate if rate and state["total"] else None
    return Snapshot(state["n"], state["total"], state["desc"], state["unit"], rate, remaining)


def output_path(job: Job, name: str) -> tuple[Path, str]:
    """Where a job writes its file: MEDIA_ROOT/taches/<id>/<name>; the absolute path and the one to record."""
    relative = f"taches/{job.pk}/{name}"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    return path, relative
