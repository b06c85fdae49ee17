"""Cost per outcome: the State credits of a year divided by what the advisors achieved that year, by territory
(département) and employer kind.

- Credits: the instalments paid in the fiscal year (the ledger); for a year in which nothing is paid yet, the
  instalments its schedules plan (due in the year, not cancelled). The page says which was used.
- Outcomes: the figures of cnum.stats.engine for the same scope and calendar year: accompaniments, and people who
  progressed = distinct people accompanied × share of people who say they progressed (the engine's
  `progressed_rate`, asked of part of the people), rounded to the unit — an estimate, said so on the page.
- Cost per outcome: credits / outcome, rounded to the euro (Decimal, ROUND_HALF_UP); none when the outcome is 0.

Credits are counted by the employer's département and kind, as the statistics count activities (by the employer
structure stored on the activity), so both sides of the ratio cover the same structures.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from cnum.funding.enums import InstalmentStatus
from cnum.funding.models import Instalment
from cnum.stats import engine
from cnum.stats.scopes import EMPLOYER_KINDS, Filters, Scope, ScopeKind, employer_kind

PAID, PLANNED = "paid", "planned"
BASIS_LABELS = {PAID: "versements effectués dans l'année", PLANNED: "versements prévus dans l'année (aucun versé)"}


def credits_by_territory(year: int, *, departement: str = "") -> tuple[str, dict[tuple[str, str], int]]:
    """(basis, {(département, employer kind): euros}) of the year (module docstring)."""
    instalments = Instalment.objects.order_by()
    if departement:
        instalments = instalments.filter(convention_post__convention__structure__departement_id=departement)
    paid = instalments.filter(status=InstalmentStatus.PAID, paid_on__year=year)
    basis = PAID if paid.exists() else PLANNED
    chosen = paid if basis == PAID else instalments.due_in(year).filter(~Q(status=InstalmentStatus.CANCELLED))
    totals: dict[tuple[str, str], int] = defaultdict(int)
    rows = chosen.values_list(
        "convention_post__convention__structure__departement_id",
        "convention_post__convention__structure__type",
        "amount",
    )
    for code, structure_type, amount in rows:
        totals[(code or "", employer_kind(structure_type))] += amount
    return basis, dict(totals)


def per_unit(credits: int, count: int | None) -> int | None:
    """Euros per unit, rounded half up to the euro; None without any unit."""
    if not count:
        return None
    return int((Decimal(credits) / Decimal(count)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def outcome_row(label: str, credits: int, scope: Scope, year: int, kind: str = "") -> dict:
    """One line of the table: credits, the engine's figures of the scope and year, and the costs per outcome."""
    since, until = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    figures = engine.figures(scope, since, until, Filters(employer_kind=kind))
    rate = figures["progressed_rate"]
    progressed = round(figures["beneficiaries"] * rate) if rate is not None else None
    return {
        "label": label,
        "scope": str(scope),
        "employer_kind": kind,
        "credits": credits,
        "accompaniments": figures["accompaniments"],
        "beneficiaries": figures["beneficiaries"],
        "progressed_rate": rate,
        "progressed": progressed,
        "per_accompaniment": per_unit(credits, figures["accompaniments"]),
        "per_progressed": per_unit(credits, progressed),
    }


def cost_per_outcome(year: int, *, departement: str = "", names: dict[str, str] | None = None) -> dict:
    """The year's cost per accompaniment and per person who progressed: for France (or the département), by
    employer kind, and — for France — by département."""
    names = names or {}
    basis, credits = credits_by_territory(year, departement=departement)
    scope = Scope(ScopeKind.DEPARTEMENT, departement) if departement else Scope(ScopeKind.NATIONAL)
    total = sum(credits.values())
    by_kind = defaultdict(int)
    by_departement = defaultdict(int)
    for (code, kind), amount in credits.items():
        by_kind[kind] += amount
        by_departement[code] += amount
    label = f"{names.get(departement, departement)} ({departement})" if departement else "France entière"
    result = {
        "year": year,
        "basis": basis,
        "basis_label": BASIS_LABELS[basis],
        "total": outcome_row(label, total, scope, year),
        "by_employer_kind": [
            outcome_row(EMPLOYER_KINDS[kind], by_kind[kind], scope, year, kind) for kind in EMPLOYER_KINDS
        ],
        "by_departement": [],
    }
    if not departement:
        result["by_departement"] = [
            outcome_row(f"{names.get(code, code)} ({code})", amount, Scope(ScopeKind.DEPARTEMENT, code), year)
            for code, amount in sorted(by_departement.items())
            if code
        ]
    return result
