"""Coordination activities (issue #21): a coordinator records, changes and deletes what it does for its team —
meetings, events, trainings given; its structure, the territories of the structure and the programme team read
them. An advisor who is not a coordinator gets 403 (cnum.activities.perms); someone else's record answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cnum.activities import perms
from cnum.activities.forms import CoordinationActivityForm
from cnum.activities.models import CoordinationActivity
from cnum.advisors.models import Team

PAGE_SIZE = 50


def _team(request) -> Team:
    team_id = perms.coordinated_team_id(request.user)
    if team_id is None:
        raise PermissionDenied
    return get_object_or_404(Team, pk=team_id)


def _own_record(request, pk) -> CoordinationActivity:
    _team(request)
    record = get_object_or_404(CoordinationActivity.objects.visible_to(request.user), pk=pk)
    if not perms.can_edit_coordination(request.user, record):
        raise PermissionDenied
    return record


@login_required
def coordination_list(request):
    """The coordination activities the role sees, newest first, 50 a page; the coordinator's own can be changed."""
    if not perms.can_view_coordination(request.user):
        raise PermissionDenied
    records = (
        CoordinationActivity.objects.visible_to(request.user)
        .select_related("team", "structure")
        .order_by("-date", "-pk")
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "title": "Activités de coordination",
        "page": page,
        "can_record": perms.can_record_coordination(request.user),
        "editable": {record.pk for record in page if perms.can_edit_coordination(request.user, record)},
    }
    return render(request, "activities/coordination_list.html", context)


@login_required
def coordination_create(request):
    team = _team(request)
    form = CoordinationActivityForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        record.team, record.structure_id, record.created_by = team, team.structure_id, request.user
        record.save()
        messages.success(request, "Activité de coordination enregistrée.")
        return redirect(
            "activities:coordination_create" if "another" in request.POST else "activities:coordination_list"
        )
    context = {"title": "Nouvelle activité de coordination", "form": form, "team": team}
    return render(request, "activities/coordination_form.html", context)


@login_required
def coordination_update(request, pk):
    record = _own_record(request, pk)
    form = CoordinationActivityForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Activité de coordination modifiée.")
        return redirect("activities:coordination_list")
    context = {"title": "Modifier l'activité de coordination", "form": form, "team": record.team, "record": record}
    return render(request, "activities/coordination_form.html", context)


@login_required
def coordination_delete(request, pk):
    """GET asks for confirmation; POST deletes."""
    record = _own_record(request, pk)
    if request.method == "POST":
        record.delete()
        messages.success(request, "Activité de coordination supprimée.")
        return redirect("activities:coordination_list")
    context = {"title": "Supprimer l'activité de coordination", "record": record}
    return render(request, "activities/coordination_delete.html", context)
