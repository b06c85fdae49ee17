"""Cost per outcome and the parliamentary fact sheet (HTML and PDF): thin views over outcomes.py and factsheet.py."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cnum.funding import factsheet, outcomes, perms
from cnum.funding.forms import ReportForm
from cnum.stats.scopes import ScopeError
from cnum.territories.models import Departement


def _require_reports(user) -> None:
    if not perms.can_view_reports(user):
        raise PermissionDenied


@login_required
def cost_per_outcome(request):
    _require_reports(request.user)
    form = ReportForm(request.GET or {"year": timezone.localdate().year - 1})
    result = None
    if form.is_valid():
        departement = form.cleaned_data["departement"]
        names = dict(Departement.objects.values_list("code", "name"))
        result = outcomes.cost_per_outcome(
            form.cleaned_data["year"], departement=departement.pk if departement else "", names=names
        )
    rows = [result["total"], *result["by_employer_kind"], *result["by_departement"]] if result else []
    return render(
        request,
        "funding/cost_per_outcome.html",
        {"title": "Coût par résultat", "form": form, "result": result, "rows": rows},
    )


def _sheet_request(request) -> tuple:
    """(scope, date, error) from ?scope=…&date=AAAA-MM-JJ (France at the end of last month by default)."""
    today = timezone.localdate()
    default = today.replace(day=1) - datetime.timedelta(days=1)
    try:
        on = datetime.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else default
    except ValueError:
        return None, default, "Date invalide : utilisez le format AAAA-MM-JJ."
    try:
        return factsheet.parse_scope(request.GET.get("scope", "national")), on, None
    except ScopeError as error:
        return None, on, str(error)


@login_required
def fact_sheet(request):
    _require_reports(request.user)
    scope, on, error = _sheet_request(request)
    context = {
        "title": "Fiche parlementaire",
        "error": error,
        "scope_text": request.GET.get("scope", "national"),
        "on": on,
        "departements": Departement.objects.departements(),
    }
    if scope is not None:
        context.update(factsheet.fact_sheet(scope, on))
        context["sheet_title"] = factsheet.fact_sheet_title(scope, on)
        context["pdf_query"] = request.GET.urlencode()
    return render(request, "funding/fact_sheet.html", context, status=400 if error else 200)


@login_required
def fact_sheet_pdf(request):
    _require_reports(request.user)
    scope, on, error = _sheet_request(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(factsheet.fact_sheet_pdf(scope, on), content_type="application/pdf")
    name = str(scope).replace(":", "-")
    response["Content-Disposition"] = f'attachment; filename="fiche-parlementaire-{name}-{on:%Y-%m-%d}.pdf"'
    return response
