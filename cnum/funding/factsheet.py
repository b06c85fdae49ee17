"""The parliamentary fact sheet: one page on the programme in France or in a département at a date, every figure
computed (cnum.stats.programme, cnum.stats.engine, the latest renewal campaign, the budget lines and the ledger)
and linked to its definition. Printed to PDF with WeasyPrint, as the statistics' fiche territoriale."""

import datetime
from collections import defaultdict

from django.db.models import Q, Sum
from django.db.models.functions import ExtractYear
from django.template.loader import render_to_string
from django.utils import timezone

from cnum.funding.campaigns import latest_reengagement
from cnum.funding.enums import InstalmentStatus
from cnum.funding.models import BudgetLine, Instalment
from cnum.stats import engine
from cnum.stats.programme import programme_figures, structures_of
from cnum.stats.scopes import Scope, ScopeError, ScopeKind

#: Figure key → (label, definition). The page links each figure to its definition (#def-<key>).
DEFINITIONS = {
    "advisors": (
        "Conseillers numériques en poste",
        "Conseillers ayant un contrat en cours à la date, dans les structures du périmètre (registre).",
    ),
    "employers": (
        "Répartition des employeurs",
        "Structures employant au moins un poste actif à la date, publiques (communes, EPCI, départements, régions, "
        "autres collectivités, GIP) ou privées (associations et autres).",
    ),
    "beneficiaries": (
        "Personnes accompagnées",
        "Personnes distinctes accompagnées depuis le début du dispositif jusqu'à la date, plus les participants "
        "anonymes venus pour la première fois (comptes rendus d'activité).",
    ),
    "accompaniments": (
        "Accompagnements",
        "Une personne dans une activité : un par accompagnement individuel, un par participant d'atelier, depuis "
        "le début du dispositif jusqu'à la date.",
    ),
    "progressed": (
        "Part des personnes ayant progressé",
        "Parmi les personnes à qui la question a été posée, part de celles qui disent avoir progressé.",
    ),
    "reengagement": (
        "Taux de réengagement",
        "Dernière campagne de renouvellement envoyée : structures ayant répondu « renouveler » / structures "
        "concernées du périmètre.",
    ),
    "credits": (
        "Crédits par programme et par année",
        "Lignes budgétaires votées (AE et CP, projet de loi de finances et loi de finances, programme et action) ; "
        "pour un département, les versements des conventions de ses structures par année d'échéance.",
    ),
}
SCOPE_KINDS = (ScopeKind.NATIONAL, ScopeKind.DEPARTEMENT)


def parse_scope(text: str) -> Scope:
    """France or one département; ScopeError (French) otherwise."""
    scope = Scope.parse(text or "national")
    if scope.kind not in SCOPE_KINDS:
        raise ScopeError("La fiche parlementaire couvre la France entière ou un département.")
    scope.check_exists()
    return scope


def fact_sheet(scope: Scope, on: datetime.date) -> dict:
    """Every figure of the sheet, keyed as DEFINITIONS."""
    programme = programme_figures(scope, on)
    activity = engine.figures(scope, None, on)
    structures = structures_of(scope)
    return {
        "scope": scope,
        "on": on,
        "advisors": programme["advisors_in_post"],
        "employers": programme["structures_by_employer"],
        "posts": programme["posts_by_employer"],
        "beneficiaries": activity["beneficiaries"],
        "accompaniments": activity["accompaniments"],
        "progressed_rate": activity["progressed_rate"],
        "computed": engine.COMPUTED_LABELS.get(activity["computed"]["figures"], ""),
        "reengagement": latest_reengagement(None if scope.kind == ScopeKind.NATIONAL else structures),
        "budget_lines": list(BudgetLine.objects.select_related("programme").filter(fiscal_year__lte=on.year + 1)),
        "ledger": _ledger(structures if scope.kind != ScopeKind.NATIONAL else None),
        "definitions": [{"key": key, "label": label, "text": text} for key, (label, text) in DEFINITIONS.items()],
        "generated": timezone.localtime(),
    }


def _ledger(structures) -> list[dict]:
    """Instalments per year of their due date: planned (not cancelled) and paid."""
    instalments = Instalment.objects.order_by()
    if structures is not None:
        instalments = instalments.filter(convention_post__convention__structure__in=structures)
    rows = (
        instalments.annotate(year=ExtractYear("due_on"))
        .values("year")
        .annotate(
            planned=Sum("amount", filter=~Q(status=InstalmentStatus.CANCELLED)),
            paid=Sum("amount", filter=Q(status=InstalmentStatus.PAID)),
        )
        .order_by("year")
    )
    years = defaultdict(dict)
    for row in rows:
        years[row["year"]] = {"year": row["year"], "planned": row["planned"] or 0, "paid": row["paid"] or 0}
    return [years[year] for year in sorted(years)]


def fact_sheet_title(scope: Scope, on: datetime.date) -> str:
    return f"Fiche parlementaire — {scope.label} — au {on:%d/%m/%Y}"


def fact_sheet_pdf(scope: Scope, on: datetime.date) -> bytes:
    from cnum.core.pdf import html_to_pdf  # imported here: only the PDF pays for WeasyPrint and its libraries

    context = {**fact_sheet(scope, on), "title": fact_sheet_title(scope, on), "print": True}
    return html_to_pdf(render_to_string("funding/fact_sheet_print.html", context), title=context["title"])
