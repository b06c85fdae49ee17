"""« Mes tâches »: the background work a person started, its live progress, its outcome, a retry when it failed.

A person sees its own tasks only: another's answer 404, as if they did not exist (Job.objects.visible_to)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cnum.core import imports, jobs
from cnum.core.enums import JobStatus
from cnum.core.models import Job
from cnum.core.sessions import not_renewed

PAGE_SIZE = 20
REJECTED_SHOWN = 500
#: Seconds between two progress requests of a task's page.
POLL_EVERY = 2


def _own(request, job_id: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user), pk=job_id)


@login_required
def job_list(request):
    page = Paginator(Job.objects.visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/jobs/list.html", {"title": "Mes tâches", "page": page})


@not_renewed  # read while the task runs: no write that would wait for the task's lock (SQLite)
@login_required
def job_detail(request, job_id: int):
    job = _own(request, job_id)
    context = {"title": job.label, "job": job, "poll_every": POLL_EVERY}
    if job.status == JobStatus.DONE and "report" in job.result:
        report = imports.ImportReport.from_dict(job.result["report"])
        context.update(report=report, rejected=report.rejected[:REJECTED_SHOWN])
    if not job.is_finished:
        context["snapshot"] = jobs.snapshot(job)
    return render(request, "core/jobs/detail.html", context)


@not_renewed
@login_required
def job_progress(request, job_id: int):
    """The progress bar alone, polled by the task's page; once the task has ended, HTMX goes to its page."""
    job = _own(request, job_id)
    if job.is_finished:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("core:job_detail", args=[job.pk])
        return response
    return render(
        request, "core/jobs/_progress.html", {"job": job, "snapshot": jobs.snapshot(job), "poll_every": POLL_EVERY}
    )


@login_required
@require_POST
def job_retry(request, job_id: int):
    job = _own(request, job_id)
    jobs.retry(job)
    return redirect("core:job_detail", job_id=job.pk)


@login_required
def job_file(request, job_id: int):
    job = _own(request, job_id)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / job.file
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
def job_launch(request):
    """The programme team launches a long command (statistics, open data, reminders) without a terminal."""
    if not request.user.has_perm("core.run_commands"):
        raise PermissionDenied
    commands = jobs.commands()
    if request.method == "POST":
        name = request.POST.get("command", "")
        if name not in commands:
            return render(
                request,
                "core/jobs/launch.html",
                {"title": "Lancer une tâche", "commands": commands, "error": "Choisissez une tâche de la liste."},
                status=400,
            )
        job = jobs.start(kind=name, label=commands[name], user=request.user)
        return redirect("core:job_detail", job_id=job.pk)
    return render(request, "core/jobs/launch.html", {"title": "Lancer une tâche", "commands": commands})
