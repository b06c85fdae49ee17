"""Funding pages under /financement/: budget lines, conventions and their ledger, the budget simulator and the
comparison of saved scenarios. Thin views: permissions from perms.py, computations from budget.py. GET never
writes; saving a scenario is a POST."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cnum.core.tabular import csv_bytes, xlsx_bytes
from cnum.funding import budget as budget_service
from cnum.funding import perms
from cnum.funding.enums import BudgetVersion, InstalmentStatus
from cnum.funding.forms import ConventionFilterForm, ScenarioCompareForm, ScenarioSaveForm, SimulationForm
from cnum.funding.models import BudgetLine, Convention, ConventionPost, GrantScheme, Instalment
from cnum.funding.reference_data import years_without_lines
from cnum.funding.simulator import RULES
from cnum.funding.simulator_tables import french_date, simulation_tables

PAGE_SIZE = 50
SIMULATOR_PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def budget(request):
    if not perms.can_view_budget(request.user) and perms.can_view_conventions(request.user):
        return redirect("funding:convention_list")
    _require(perms.can_view_budget(request.user))
    lines = list(BudgetLine.objects.select_related("programme"))
    return render(
        request,
        "funding/budget.html",
        {
            "title": "Budget du dispositif",
            "lines": lines,
            "years": _years(lines),
            "schemes": GrantScheme.objects.prefetch_related("tranches"),
        },
    )


def _years(lines: list[BudgetLine]) -> list[dict]:
    """Per fiscal year: the voted credits (bill, final) beside the instalments the conventions plan."""
    ledger = (
        Instalment.objects.annotate(year=ExtractYear("due_on"))
        .values("year")
        .annotate(
            planned=Sum("amount", filter=~Q(status=InstalmentStatus.CANCELLED)),
            paid=Sum("amount", filter=Q(status=InstalmentStatus.PAID)),
            posts=Count("convention_post__post", filter=~Q(status=InstalmentStatus.CANCELLED), distinct=True),
        )
        .order_by("year")
    )
    years = {row["year"]: {"year": row["year"], **row} for row in ledger}
    for line in lines:
        row = years.setdefault(line.fiscal_year, {"year": line.fiscal_year})
        key = "plf_cp" if line.version == BudgetVersion.PLF else "final_cp"
        row[key] = row.get(key, 0) + line.cp
    for year, text in years_without_lines().items():
        if year in years and not {"plf_cp", "final_cp"} & years[year].keys():
            years[year]["note"] = text
    return [years[year] for year in sorted(years)]


@login_required
def convention_list(request):
    _require(perms.can_view_conventions(request.user))
    conventions = (
        Convention.objects.visible_to(request.user)
        .select_related("structure__departement")
        .with_totals()
        .order_by("-start", "-pk")
    )
    form = ConventionFilterForm(request.GET or None)
    if form.is_valid():
        conventions = form.filter(conventions)
    page = Paginator(conventions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "funding/convention_list.html",
        {
            "title": "Conventions",
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(value for name, value in request.GET.items() if name != "page"),
            "can_view_budget": perms.can_view_budget(request.user),
        },
    )


@login_required
def convention_detail(request, pk: int):
    _require(perms.can_view_conventions(request.user))
    convention = get_object_or_404(Convention.objects.select_related("structure__departement", "scheme"), pk=pk)
    _require(Convention.objects.visible_to(request.user).filter(pk=pk).exists())
    posts = list(
        ConventionPost.objects.filter(convention=convention)
        .select_related("post")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("rank")))
    )
    ledger = sorted((i for p in posts for i in p.instalments.all()), key=lambda i: (i.due_on, i.convention_post_id))
    post_ids = {p.pk: p.post_id for p in posts}
    for instalment in ledger:
        instalment.post_id = post_ids[instalment.convention_post_id]
    totals = defaultdict(int)
    for instalment in ledger:
        totals[instalment.status] += instalment.amount
    return render(
        request,
        "funding/convention_detail.html",
        {
            "title": str(convention),
            "convention": convention,
            "posts": posts,
            "ledger": ledger,
            "planned": totals[InstalmentStatus.PLANNED],
            "paid": totals[InstalmentStatus.PAID],
            "cancelled": totals[InstalmentStatus.CANCELLED],
        },
    )


@login_required
def simulator(request):
    _require(perms.can_simulate(request.user))
    if request.method == "POST":
        _require(perms.can_save_scenario(request.user))
        form = ScenarioSaveForm(request.POST)
        if form.is_valid():
            scenario = budget_service.scenario_save(
                name=form.cleaned_data["name"], results=_run(form.cleaned_data), created_by=request.user
            )
            messages.success(request, f"Scénario « {scenario.name} » enregistré.")
            return redirect(f"{reverse('funding:scenarios')}?scenarios={scenario.pk}")
    else:
        form = SimulationForm(request.GET or None)
    results = _run(form.cleaned_data) if form.is_bound and form.is_valid() else None
    tables = simulation_tables(results) if results else None
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "funding/simulator.html",
        {
            "title": "Simulateur budgétaire",
            "form": form,
            "results": results,
            "tables": tables,
            "structures_page": _structures_page(tables, request.GET.get("page")) if tables else None,
            "impact_since": french_date(results["impact"]["since"]) if results else None,
            "impact_until": french_date(results["impact"]["until"]) if results else None,
            "impact_partial": bool(results) and results["impact"]["until"] != f"{results['year']}-12-31",
            "query": query.urlencode(),
            "rule": RULES.get(results["rule"]) if results else None,
            "rules": RULES.values(),
            "can_save": perms.can_save_scenario(request.user),
        },
    )


def _structures_page(tables, number):
    table = tables["structures"]
    return Paginator(list(zip(table.links, table.rows, strict=True)), SIMULATOR_PAGE_SIZE).get_page(number)


@login_required
def simulator_export(request, table: str, extension: str):
    """A simulation's table as a file: every row, cells made safe for spreadsheets (cnum.core.tabular)."""
    _require(perms.can_simulate(request.user))
    form = SimulationForm(request.GET or None)
    if not form.is_valid() or table not in ("departements", "structures") or extension not in ("csv", "xlsx"):
        raise Http404
    results = _run(form.cleaned_data)
    chosen = simulation_tables(results)[table]
    if extension == "csv":
        response = HttpResponse(csv_bytes(chosen.headers, chosen.rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(chosen.title, chosen.headers, chosen.rows), content_type=XLSX_TYPE)
    name = f"simulation-{results['year']}-{results['credits']}-{table}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _run(data: dict) -> dict:
    return budget_service.simulation_run(
        fiscal_year=data["fiscal_year"],
        credits=data["credits"],
        rule=data["rule"],
        kind=data["kind"],
        keep=data.get("keep"),
    )


@login_required
def scenario_compare(request):
    _require(perms.can_simulate(request.user))
    form = ScenarioCompareForm(request.GET or None)
    scenarios = list(form.cleaned_data["scenarios"].order_by("created_at", "pk")) if form.is_valid() else []
    for scenario in scenarios:
        scenario.rule_label = RULES[scenario.rule].label if scenario.rule in RULES else scenario.rule
    codes = sorted({code for s in scenarios for code in s.results.get("by_departement", {})})
    return render(
        request,
        "funding/scenario_compare.html",
        {
            "title": "Comparer des scénarios",
            "form": form,
            "scenarios": scenarios,
            "departements": [
                {"code": code, "cells": [s.results["by_departement"].get(code) for s in scenarios]} for code in codes
            ],
        },
    )
