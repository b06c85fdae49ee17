"""The tags' management page (/activites/etiquettes/): the programme team, a structure manager and a coordinator
list, create, rename and archive the tags of their own scope; every other role gets 403, someone else's tag 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cnum.activities import forms, perms, tags
from cnum.activities.models import Tag
from cnum.activities.views import _saved

PAGE_SIZE = 50


def _managed(request):
    if not perms.can_manage_tags(request.user):
        raise PermissionDenied
    return perms.managed_tags(Tag.objects.all(), request.user)


@login_required
def tag_list(request):
    managed = _managed(request)
    form = forms.TagListForm(request.GET or None)
    status = form.cleaned_data["statut"] if form.is_valid() else ""
    if status == "archivees":
        managed = managed.filter(archived_at__isnull=False)
    elif status != "toutes":
        managed = managed.filter(archived_at__isnull=True)
    page = Paginator(managed.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"title": "Étiquettes", "form": form, "page": page, "query": query.urlencode()}
    return render(request, "activities/tag_list.html", context)


@login_required
def tag_create(request):
    _managed(request)
    form = forms.TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = perms.tag_owner(request.user)
        if _saved(form, lambda: tags.tag_create(**data, owner=owner, by=request.user)):
            messages.success(request, f"Étiquette « {form.cleaned_data['name']} » créée.")
            return redirect("activities:tag_list")
    return render(request, "activities/tag_form.html", {"title": "Nouvelle étiquette", "form": form})


@login_required
def tag_update(request, pk):
    tag = get_object_or_404(_managed(request), pk=pk)
    form = forms.TagForm(request.POST or None, initial={"name": tag.name, "visibility": tag.visibility})
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: tags.tag_update(tag=tag, **form.cleaned_data)):
            messages.success(request, "Étiquette modifiée.")
            return redirect("activities:tag_list")
    context = {"title": f"Modifier l'étiquette « {tag.name} »", "form": form, "tag": tag}
    return render(request, "activities/tag_form.html", context)


@login_required
@require_POST
def tag_archive(request, pk):
    """POST archives the tag, or brings it back with `restaurer`."""
    tag = get_object_or_404(_managed(request), pk=pk)
    restore = "restaurer" in request.POST
    tags.tag_archive(tag=tag, archived=not restore)
    messages.success(request, f"Étiquette « {tag.name} » {'restaurée' if restore else 'archivée'}.")
    return redirect("activities:tag_list")
