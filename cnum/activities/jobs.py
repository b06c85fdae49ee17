"""Large activity exports as background tasks (issue #21, deliverable 1): over CNUM_TASKS_ROWS_THRESHOLD activities,
the list's download is prepared by the worker, with its progress, and offered on the task's page when ready.

The task exports what its author may see when it runs, in the role it was asked in: a role taken back in between
exports nothing."""

from django.http import QueryDict
from django.utils import timezone

from cnum.activities import forms, perms
from cnum.activities.exporters.accompaniments import EXPORTERS, with_accompaniments
from cnum.activities.models import Activity, Tag
from cnum.core import jobs
from cnum.core.imports import plural

KIND = "activities_export"


def visible_activities(user, query: str):
    """The activities of the list that `user` (in its active role) sees, with the list's filters (`query`, as in
    the list's URL), in the export's order; None when the role may not export activities."""
    if perms.acting_advisor(user) is None and not perms.can_view_team_activities(user):
        return None
    activities = Activity.objects.visible_to(user)
    form = forms.ActivityFilterForm(QueryDict(query) or None, activities=activities, user=user)
    if form.is_valid():
        activities = form.filter(activities)
    # The tags' column names those the user may see only (a private tag of another scope never).
    return with_accompaniments(activities, tags=Tag.objects.visible_to(user)).order_by("pk")


def file_name(fmt: str) -> str:
    return f"activites-{timezone.localdate():%Y-%m-%d}.{fmt}"


def run(*, job, progress) -> jobs.Outcome:
    user = job.started_by
    role_id = job.params.get("role_id")
    role = next((assignment for assignment in user.role_assignments if assignment.pk == role_id), None)
    if role_id is not None and role is None:
        raise jobs.JobFailed(
            "Le rôle dans lequel vous avez demandé cet export vous a été retiré : rien n'est exporté."
        )
    user.activate_role(role)
    activities = visible_activities(user, job.params.get("query", ""))
    if activities is None:
        raise jobs.JobFailed("Votre rôle ne permet plus d'exporter ces activités : rien n'est exporté.")
    fmt = job.params["fmt"]
    path, relative = jobs.output_path(job, file_name(fmt))
    progress.unit = "activités"
    bar = progress(total=activities.count(), desc="Activités exportées")
    count = EXPORTERS[fmt](path, activities, progress=bar.update)
    bar.close()
    return jobs.Outcome(
        result={"message": f"Export prêt : {plural(count, 'ligne', 'lignes')} (une par personne accompagnée)."},
        file=relative,
    )


def register() -> None:
    jobs.register(KIND, run)
