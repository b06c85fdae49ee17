"""Statistics pages: the dashboard of a scope (login required, cnum.stats.perms), its exports, and the public page.

Thin views: parse the scope, the period and the filters, build the dashboard (cnum.stats.presenter), render it. A
scope that cannot be read or does not exist is a 404; a scope outside the active role's reach is a 403. Every label
and definition shown comes from the catalogue (cnum.stats.catalogue), as in the exports and docs/statistics.md.
"""

import functools
from urllib.parse import quote_plus

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from cnum.advisors.models import Advisor, Contract
from cnum.core import jobs
from cnum.stats import cached, dashboard_cache, disclosure, exports, perms, presenter
from cnum.stats import jobs as stats_jobs
from cnum.stats.forms import ADVISOR_PARAMETER, DashboardForm, period_label, period_slug
from cnum.stats.scopes import Scope, ScopeError, ScopeKind

#: Stands for the scope in a dashboard link's query string, replaced per link (scope_url).
SCOPE_PLACEHOLDER = "__scope__"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- pages ------------------------------------------------------------------------------------------------------


def _narrowed_for_advisor(view):
    """A coordinator or a structure manager asking for an advisor's own figures is sent to their team's or their
    structure's, narrowed to that advisor (perms.advisor_figures_scope): the activities of the membership's days, or
    those recorded under the structure — never the advisor's whole history."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        text = request.GET.get("scope", "")
        try:
            scope = Scope.parse(text) if text else None
        except ScopeError:
            scope = None
        if scope is None or scope.kind != ScopeKind.ADVISOR or ADVISOR_PARAMETER in request.GET:
            return view(request, *args, **kwargs)
        own = perms.advisor_figures_scope(request.user, int(scope.code))
        if own is None or perms.can_view(request.user, scope):
            return view(request, *args, **kwargs)
        query = request.GET.copy()
        query["scope"], query[ADVISOR_PARAMETER] = str(own), scope.code
        return redirect(f"{request.path}?{query.urlencode()}")

    return wrapper


@login_required
@_narrowed_for_advisor
def dashboard(request):
    """The dashboard of a scope. Its head and its figures come from the cache when the same page was built for the
    same rights since the last write that moves them (cnum.stats.dashboard_cache); the rights are checked on every
    request, before the cache is read, and what is missing is built and cached."""
    scope = _requested_scope(request)
    advisor = _requested_advisor(request, scope)
    with cached.one_reading():  # the queue looked at once, each scope's versions read once, for the whole page
        names = dashboard_cache.keys(scope, request.GET, request.user)
        head, body = dashboard_cache.get(names)
        if head is None or (body is None and head["valid"]):
            head, body = _build(request, scope, advisor, names, head)
    context = {
        "title": head["title"],
        "valid": head["valid"],
        # Our own templates' output, escaped when it was rendered.
        "body_head": mark_safe(head["html"]),
        "body_summary": mark_safe(body["summary"]) if head["valid"] else "",
        "body_figures": mark_safe(body["figures"]) if head["valid"] else "",
        "query": request.GET.urlencode(),
        "exports": [(fmt.upper(), reverse("stats:export", args=[fmt])) for fmt in CONTENT_TYPES],
    }
    return render(request, "stats/dashboard.html", context)


def _build(request, scope: Scope, advisor: Advisor | None, names, head: dict | None) -> tuple[dict, dict | None]:
    """The page's head (title, breadcrumb, filters) unless given, and its figures when the filters are valid, as
    HTML with nothing of the request but its query string and its reader's rights (no CSRF token, no message);
    both cached."""
    form = DashboardForm(request.GET, user=request.user)
    title = f"Statistiques — {scope.label}" + (f" — {advisor.full_name}" if advisor else "")
    context = {"title": title, "scope": scope, "form": form, "advisor": advisor}
    valid = form.is_valid()
    if head is None:
        context["breadcrumb"] = _breadcrumb(request, scope)
        html = render_to_string("stats/includes/dashboard_head.html", context)
        head = {"title": title, "valid": valid, "html": html}
        dashboard_cache.put(names.head, head)
    if not valid:
        return head, None
    since, until = form.period
    board = presenter.build(
        scope, since, until, form.filters, user=request.user, scope_url=lambda s: scope_url(request, s)
    )
    context.update(board.html_context())
    context["period"] = period_label(since, until)
    body = {
        "summary": render_to_string("stats/includes/dashboard_summary.html", context),
        "figures": render_to_string("stats/includes/dashboard_figures.html", context),
    }
    dashboard_cache.put(names.figures, body)
    return head, body


@login_required
@_narrowed_for_advisor
def export(request, fmt: str):
    """The dashboard (cnum.stats.presenter) as CSV, XLSX or the PDF fact sheet (cnum.stats.exports)."""
    scope = _requested_scope(request)
    form = DashboardForm(request.GET, user=request.user)
    advisor = _requested_advisor(request, scope)
    if not form.is_valid():
        errors = " ".join(message for messages in form.errors.values() for message in messages)
        return HttpResponseBadRequest(f"Période ou filtres invalides : {errors}", content_type="text/plain")
    since, until = form.period
    narrowed = f"-conseiller-{advisor.pk}" if advisor else ""
    filename = f"statistiques-{str(scope).replace(':', '-')}{narrowed}-{period_slug(since, until)}.{fmt}"
    if fmt == "pdf":
        return _fiche_in_background(request, scope, period_label(since, until), filename)
    board = presenter.build(
        scope, since, until, form.filters, user=request.user, scope_url=lambda s: scope_url(request, s)
    )
    content = (exports.as_csv if fmt == "csv" else exports.as_xlsx)(board.tables())
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def public_secret(by_departement: dict) -> frozenset[str]:
    """Départements whose figures the public page withholds: fewer than 5 activities or accompaniments, plus enough
    others that none can be recomputed from the national totals shown on the same page."""
    table = {(code, "total"): min(c["activities"], c["accompaniments"]) for code, c in by_departement.items()}
    return frozenset(code for code, _ in disclosure.suppress(table, disclosure.THRESHOLD, (disclosure.COLUMNS,)))


# --- scope and navigation ----------------------------------------------------------------------------------------


def _fiche_in_background(request, scope: Scope, period: str, filename: str):
    """The PDF fact sheet is prepared by a background task (cnum.stats.jobs): GET offers it, POST queues it and
    leads to the task's page, which offers the file when it is ready."""
    query = request.GET.urlencode()
    if request.method != "POST":
        context = {"title": "Fiche PDF", "scope": scope, "period": period, "query": query}
        return render(request, "stats/export_pdf.html", context)
    job = jobs.start(
        kind=stats_jobs.FICHE,
        label=f"Fiche PDF « {scope.label} » — {period}",
        user=request.user,
        params={"scope": str(scope), "query": query, "filename": filename},
    )
    return redirect("core:job_detail", job_id=job.pk)


def _requested_scope(request) -> Scope:
    text = request.GET.get("scope", "").strip()
    if text:
        try:
            scope = Scope.parse(text)
            scope.check_exists()
        except ScopeError as error:
            raise Http404(str(error)) from None
    else:
        scope = perms.default_scope(request.user)
        if scope is None:
            raise PermissionDenied("Votre rôle ne donne accès à aucune statistique.")
    if not perms.can_view(request.user, scope):
        raise PermissionDenied("Ces statistiques sont hors de votre périmètre.")
    return scope


def _requested_advisor(request, scope: Scope) -> Advisor | None:
    """The advisor the scope is narrowed to (`conseiller`): 404 when unreadable or unknown, 403 when the user may
    not read that advisor within this scope (perms.can_narrow_to_advisor)."""
    text = request.GET.get(ADVISOR_PARAMETER, "").strip()
    if not text:
        return None
    advisor = Advisor.objects.filter(pk=int(text)).first() if text.isdigit() else None
    if advisor is None:
        raise Http404("Conseiller introuvable.")
    if not perms.can_narrow_to_advisor(request.user, scope, advisor.pk):
        raise PermissionDenied("Les statistiques de ce conseiller sont hors de votre périmètre.")
    return advisor


def scope_url(request, scope: Scope) -> str:
    """The dashboard of `scope` for the same period and filters."""
    # A page links to a hundred scopes or more: the query string is encoded once per request, the scope replaced.
    template = getattr(request, "_stats_scope_url", None)
    if template is None:
        query = request.GET.copy()
        query["scope"] = SCOPE_PLACEHOLDER
        template = request._stats_scope_url = f"{reverse('stats:dashboard')}?{query.urlencode()}"
    return template.replace(quote_plus(SCOPE_PLACEHOLDER), quote_plus(str(scope)), 1)


def _link(request, scope: Scope) -> str | None:
    return scope_url(request, scope) if perms.can_view(request.user, scope) else None


def _ancestors(scope: Scope) -> list[Scope]:
    """The scopes above `scope`, widest first: France, région, département, structure."""
    target = scope.object()
    if scope.kind == ScopeKind.ADVISOR:
        contracts = Contract.objects.filter(advisor_id=target.pk)
        contract = contracts.current().first() or contracts.order_by("-start").first()
        if contract is None:
            return [Scope(ScopeKind.NATIONAL)]
        structure = Scope(ScopeKind.STRUCTURE, str(contract.structure_id))
        return [*_ancestors(structure), structure]
    if scope.kind == ScopeKind.TEAM and target.structure_id:
        structure = Scope(ScopeKind.STRUCTURE, str(target.structure_id))
        return [*_ancestors(structure), structure]
    national = Scope(ScopeKind.NATIONAL)
    if scope.kind == ScopeKind.NATIONAL:
        return []
    if scope.kind == ScopeKind.DEPARTEMENT:
        return [national, Scope(ScopeKind.REGION, target.region_id)]
    departement = target.departement if scope.kind in (ScopeKind.STRUCTURE, ScopeKind.COMMUNE) else None
    if departement is None:
        # A région, an EPCI (which may straddle départements), a hub, a network, a structure without département.
        return [national]
    return [national, Scope(ScopeKind.REGION, departement.region_id), Scope(ScopeKind.DEPARTEMENT, departement.code)]


def _breadcrumb(request, scope: Scope) -> list[dict]:
    items = [{"label": ancestor.label, "url": _link(request, ancestor)} for ancestor in _ancestors(scope)]
    return [*items, {"label": scope.label, "url": None, "current": True}]
