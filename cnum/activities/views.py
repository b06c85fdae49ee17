"""The advisor's pages: record an activity in one page (or from a copy of an earlier one), list, export, change and
delete their activities, and follow beneficiaries; a coordinator reads and exports its team's. Other roles get 403
(cnum.activities.perms); someone else's activity or beneficiary answers 404."""

import datetime
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cnum.activities import forms, perms, services
from cnum.activities import jobs as activity_jobs
from cnum.activities.enums import ActivityType
from cnum.activities.exporters.accompaniments import EXPORTERS
from cnum.activities.models import Activity, Beneficiary, Tag
from cnum.advisors.models import SiteAssignment
from cnum.core import jobs
from cnum.core.forms import errors_for

PAGE_SIZE = 50
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _advisor(request):
    advisor = perms.acting_advisor(request.user)
    if advisor is None:
        raise PermissionDenied
    return advisor


def _own_activity(request, pk) -> Activity:
    _advisor(request)
    activity = get_object_or_404(Activity.objects.visible_to(request.user), pk=pk)
    if not perms.can_edit_activity(request.user, activity):
        raise PermissionDenied
    return activity


def _own_beneficiary(request, pk) -> Beneficiary:
    _advisor(request)
    return get_object_or_404(Beneficiary.objects.visible_to(request.user).filter(is_followed=True), pk=pk)


def default_site(advisor):
    """The site of the advisor's last activity recorded at a site, else the site they are assigned to now."""
    last = advisor.activities.filter(site__isnull=False).order_by("-created_at", "-pk").first()
    if last is not None:
        return last.site_id
    assignment = SiteAssignment.objects.current().filter(advisor=advisor).first()
    return assignment.site_id if assignment else None


def _saved(form, save) -> bool:
    try:
        save()
    except ValidationError as error:
        form.add_error(None, errors_for(form, error))
        return False
    return True


# --- activities -------------------------------------------------------------------------------------------------


@login_required
def activity_list(request):
    """The advisor's own activities, or, read-only, those of a coordinator's team members; filtered, 50 a page."""
    read_only = perms.acting_advisor(request.user) is None
    if read_only and not perms.can_view_team_activities(request.user):
        raise PermissionDenied
    activities = Activity.objects.visible_to(request.user)
    form = forms.ActivityFilterForm(request.GET or None, activities=activities, user=request.user)
    if form.is_valid():
        activities = form.filter(activities)
    activities = activities.select_related("site", "commune", "advisor").order_by("-date", "-pk")
    shown = Tag.objects.visible_to(request.user).order_by("name")
    activities = activities.prefetch_related(Prefetch("tags", queryset=shown, to_attr="shown_tags"))
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": "Activités de l'équipe" if read_only else "Mes activités",
        "read_only": read_only,
        "form": form,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "activities/activity_list.html", context)


@login_required
def activity_create(request):
    advisor = _advisor(request)
    initial = {}
    person = request.GET.get("beneficiaire", "")
    if person.isdigit() and Beneficiary.objects.visible_to(request.user).filter(pk=person, is_followed=True).exists():
        initial = {"type": ActivityType.INDIVIDUAL, "beneficiary": int(person)}  # "record with this person"
    # The default site is for a blank form only: a posted one brings its own.
    site = None if request.method == "POST" else default_site(advisor)
    form = forms.ActivityForm(request.POST or None, advisor=advisor, default_site=site, initial=initial or None)
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.activity_record(advisor=advisor, data=form.activity_data(), by=request.user)):
            messages.success(request, "Activité enregistrée.")
            return redirect("activities:create" if "another" in request.POST else "activities:list")
    return render(request, "activities/activity_form.html", {"title": "Nouvelle activité", "form": form})


#: What a duplicated activity does not take from its model: the people (it is another session) and the day.
NOT_DUPLICATED = ("beneficiary", "beneficiaries", "progressed", "genre", "age_bracket", "social_status", "notes")
NOT_DUPLICATED += ("anonymous_participants", "anonymous_first_time", "anonymous_asked", "anonymous_progressed")


@login_required
def activity_duplicate(request, pk):
    """The form filled with one of the advisor's activities — today's date, no people — for the weekly workshop
    recorded in seconds; saving records a new activity."""
    activity = _own_activity(request, pk)
    advisor = activity.advisor
    initial = {
        key: value
        for key, value in forms.ActivityForm.initial_from(activity).items()
        if key not in NOT_DUPLICATED and not key.startswith("breakdown_")
    }
    initial["date"] = timezone.localdate()
    form = forms.ActivityForm(request.POST or None, advisor=advisor, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.activity_record(advisor=advisor, data=form.activity_data(), by=request.user)):
            messages.success(request, "Activité enregistrée.")
            return redirect("activities:list")
    context = {"title": "Nouvelle activité (copie)", "form": form, "duplicated_from": activity}
    return render(request, "activities/activity_form.html", context)


@login_required
def activity_export(request, fmt: str):
    """The activities of the list, with its filters, as CSV or XLSX: one row per accompaniment, no personal data
    (cnum.activities.exporters.accompaniments: pseudonyms valid for this file only, formula-safe cells).

    Over CNUM_TASKS_ROWS_THRESHOLD activities, GET says so and POST has the file prepared by a background task
    (cnum.activities.jobs), whose page shows its progress and offers the file."""
    if fmt not in EXPORTERS:
        raise Http404("Format inconnu.")
    query = request.GET.urlencode()
    activities = activity_jobs.visible_activities(request.user, query)
    if activities is None:
        raise PermissionDenied
    count = activities.count()
    if count > settings.CNUM_TASKS_ROWS_THRESHOLD:
        return _export_in_background(request, fmt, query, count)
    filename = activity_jobs.file_name(fmt)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        EXPORTERS[fmt](path, activities)
        content = path.read_bytes()
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_in_background(request, fmt: str, query: str, count: int):
    if request.method != "POST":
        context = {"title": "Préparer l'export", "fmt": fmt.upper(), "count": count, "query": query}
        return render(request, "activities/export_large.html", context)
    role = request.user.active_role
    job = jobs.start(
        kind=activity_jobs.KIND,
        label=f"Export des activités ({fmt.upper()}, {count} activités)",
        user=request.user,
        params={"fmt": fmt, "query": query, "role_id": role.pk if role else None},
    )
    return redirect("core:job_detail", job_id=job.pk)


@login_required
def activity_update(request, pk):
    activity = _own_activity(request, pk)
    initial = forms.ActivityForm.initial_from(activity)
    form = forms.ActivityForm(request.POST or None, advisor=activity.advisor, initial=initial, activity=activity)
    if request.method == "POST" and form.is_valid():
        if _saved(
            form, lambda: services.activity_update(activity=activity, data=form.activity_data(), by=request.user)
        ):
            messages.success(request, "Activité modifiée.")
            return redirect("activities:list")
    context = {"title": "Modifier l'activité", "form": form, "activity": activity}
    return render(request, "activities/activity_form.html", context)


@login_required
def activity_delete(request, pk):
    """GET asks for confirmation; POST deletes."""
    activity = _own_activity(request, pk)
    if request.method == "POST":
        services.activity_delete(activity=activity, by=request.user)
        messages.success(request, "Activité supprimée.")
        return redirect("activities:list")
    return render(request, "activities/activity_delete.html", {"title": "Supprimer l'activité", "activity": activity})


# --- beneficiaries ----------------------------------------------------------------------------------------------


@login_required
def beneficiary_list(request):
    """The advisor's followed people; with ?revoir=N, those not accompanied for N days, the longest first."""
    advisor = _advisor(request)
    people = Beneficiary.objects.visible_to(request.user).filter(is_followed=True, erased_at__isnull=True)
    see_again = forms.SeeAgainForm(request.GET or None)
    if see_again.is_valid() and see_again.cleaned_data["revoir"]:
        days = int(see_again.cleaned_data["revoir"])
        people = people.not_seen_since(timezone.localdate() - datetime.timedelta(days=days)).order_by("last_seen")
    else:
        people = people.order_by("last_name", "first_name", "pk")
    context = {
        "title": "Mes bénéficiaires suivis",
        "beneficiaries": people,
        "see_again": see_again,
        "duplicates": services.find_duplicates(advisor),
    }
    return render(request, "activities/beneficiary_list.html", context)


@login_required
def beneficiary_create(request):
    advisor = _advisor(request)
    form = forms.BeneficiaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {key: value for key, value in data.items() if key not in ("first_name", "last_name", "consent_date")}

        def follow():
            return services.beneficiary_follow(
                advisor=advisor,
                first_name=data["first_name"],
                last_name=data["last_name"],
                consent_date=data["consent_date"],
                **fields,
            )

        if _saved(form, follow):
            messages.success(request, "Bénéficiaire enregistré.")
            return redirect("activities:beneficiary_list")
    return render(request, "activities/beneficiary_form.html", {"title": "Suivre un bénéficiaire", "form": form})


@login_required
def beneficiary_detail(request, pk):
    person = _own_beneficiary(request, pk)
    accompaniments = person.accompaniments.select_related("activity").order_by("-activity__date", "-pk")
    context = {
        "title": str(person),
        "beneficiary": person,
        "accompaniments": accompaniments,
        "merge_form": forms.MergeForm(keep=person) if not person.erased_at else None,
    }
    return render(request, "activities/beneficiary_detail.html", context)


@login_required
@require_POST
def beneficiary_merge(request, pk):
    keep = _own_beneficiary(request, pk)
    form = forms.MergeForm(request.POST, keep=keep)
    if form.is_valid():
        services.beneficiaries_merge(keep=keep, merge=form.cleaned_data["merge"])
        messages.success(request, "Les deux fiches ont été fusionnées.")
    else:
        messages.error(request, "Choisissez la fiche à fusionner.")
    if request.POST.get("retour") == "doublons":
        return redirect("activities:beneficiary_duplicates")
    return redirect("activities:beneficiary_detail", pk=keep.pk)


@login_required
def beneficiary_erase(request, pk):
    """GET asks for confirmation; POST blanks the personal data (the accompaniments stay counted)."""
    person = _own_beneficiary(request, pk)
    if request.method == "POST":
        services.beneficiary_erase(beneficiary=person)
        messages.success(request, "Les données personnelles ont été effacées.")
        return redirect("activities:beneficiary_list")
    context = {"title": "Effacer les données personnelles", "beneficiary": person}
    return render(request, "activities/beneficiary_erase.html", context)
