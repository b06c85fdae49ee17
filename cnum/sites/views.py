"""Public pages of the sites (no sign-in: open data) and the edit page (programme team, structure manager)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cnum.sites import opening_hours, opening_now, perms
from cnum.sites.forms import SiteFilterForm, SiteForm
from cnum.sites.models import Site

PAGE_SIZE = 20


def site_list(request):
    """Published sites, filtered by région, département, commune or postal code, service, label and itinerance."""
    sites = Site.objects.visible_to(request.user).select_related("commune", "departement").order_by("name", "pk")
    form = SiteFilterForm(request.GET or None)
    filtered = form.is_valid() and any(form.cleaned_data.values())
    if form.is_bound and form.is_valid():
        sites = form.filter(sites)
    page = Paginator(sites, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": "Lieux d'activité",
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": filtered,
    }
    return render(request, "sites/site_list.html", context)


def _site(request, pk: int) -> Site:
    site = get_object_or_404(Site.objects.select_related("commune", "departement__region", "structure"), pk=pk)
    if not perms.can_view_site(request.user, site):
        raise Http404
    return site


def site_detail(request, pk: int):
    site = _site(request, pk)
    context = {
        "title": site.name,
        "site": site,
        "hours": opening_hours.display(site.opening_hours),
        "open_status": opening_now.status(site.opening_hours, timezone.now(), site.departement_id),
        "can_edit": perms.can_edit_site(request.user, site),
    }
    return render(request, "sites/site_detail.html", context)


@login_required
def site_edit(request, pk: int):
    site = _site(request, pk)
    if not perms.can_edit_site(request.user, site):
        raise PermissionDenied
    form = SiteForm(request.POST or None, instance=site, can_publish=perms.can_publish_site(request.user, site))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Le lieu a été mis à jour.")
        return redirect("sites:detail", pk=site.pk)
    return render(request, "sites/site_form.html", {"title": f"Modifier « {site.name} »", "form": form, "site": site})
