"""Review of possible duplicates between sources (programme team everywhere, a hub in its territory: sites.perms):
side by side, then merge or keep both."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cnum.sites import perms, services
from cnum.sites.forms_imports import MergeForm
from cnum.sites.models import SiteDuplicateCandidate


def _check(request):
    if not perms.can_review_duplicates(request.user):
        raise PermissionDenied


def _pending(request, pk: int) -> SiteDuplicateCandidate:
    """A pending candidate of the user's territory; one elsewhere is not found (404), as if it did not exist."""
    queryset = SiteDuplicateCandidate.objects.pending().select_related("site", "site__commune")
    return get_object_or_404(perms.visible_duplicates(queryset, request.user), pk=pk)


@login_required
def duplicate_list(request):
    _check(request)
    pending = SiteDuplicateCandidate.objects.pending().select_related("site")
    candidates = perms.visible_duplicates(pending, request.user)
    return render(request, "sites/duplicates/list.html", {"title": "Doublons possibles", "candidates": candidates})


@login_required
def duplicate_detail(request, pk: int):
    _check(request)
    candidate = _pending(request, pk)
    rows = services.differences(candidate)
    form = MergeForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        site = services.duplicate_merge(candidate=candidate, choices=form.cleaned_data, decided_by=request.user)
        messages.success(request, f"Fusion faite : « {site.name} » garde la trace de la source {candidate.source}.")
        return redirect("sites:duplicates")
    fields = {name: form[name] for name in form.fields}
    for row in rows:
        row["field"] = fields.get(row["group"])
    context = {"title": "Doublon possible", "candidate": candidate, "rows": rows, "form": form}
    return render(request, "sites/duplicates/detail.html", context)


@login_required
@require_POST
def duplicate_not_duplicate(request, pk: int):
    _check(request)
    candidate = _pending(request, pk)
    site = services.duplicate_reject(candidate=candidate, decided_by=request.user)
    messages.success(request, f"« {site.name} » est créé comme un lieu distinct (source {candidate.source}).")
    return redirect("sites:duplicates")
