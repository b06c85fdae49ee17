"""The figures of a scope, a period and filters — read from the rollup tables when they can answer exactly, else
computed live over the activities (cnum.stats.indicators), and said so.

The rollups answer when the period is made of whole months (or is open) and no theme nor advisor filter is set; the
distinct counts (people, advisors: catalogue.DISTINCTS) come from them when the period is a calendar month, quarter or
year (or all time) and neither the place type nor the employer kind is filtered. Every other case is computed live,
exactly, more slowly: the result's `computed` entry tells which figures came from where, and pages show it.

`figures()` returns the same keys and values as `indicators.summary()` over `scopes.activities()` (property
tests: tests/stats/test_rollups.py).
"""

import calendar
import datetime
from collections import Counter, defaultdict

from django.db.models import Sum

from cnum.activities.enums import ActivityType
from cnum.stats import cached, indicators, pending
from cnum.stats.catalogue import COLUMN_BREAKDOWNS, DISTINCT_MEASURES, FIGURE_KEYS, column_name
from cnum.stats.models import StatCell, StatPeople, StatTag
from cnum.stats.programme import programme_figures, structures_of
from cnum.stats.rollups import periods_of
from cnum.stats.scopes import Filters, Scope, ScopeKind, activities
from cnum.structures.models import Hub
from cnum.territories.models import Departement

ROLLUPS, LIVE = "rollups", "live"
COMPUTED_LABELS = {ROLLUPS: "tables d'agrégats", LIVE: "calcul direct sur les activités"}
INDEX = {name: index for index, name in enumerate(StatCell.MEASURES)}


def figures(
    scope: Scope,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    filters: Filters | None = None,
) -> dict:
    """Every indicator of `scope` from `since` to `until` (both included, either open), under `filters`."""
    pending.catch_up()  # activities recorded a moment ago are counted before the tables are read
    filters = filters or Filters()
    if filters.needs_live or not _whole_months(since, until):
        result = indicators.summary(activities(scope, since, until, filters))
        return {**result, "computed": {"figures": LIVE, "people": LIVE}}
    scope = scope.canonical()
    cells = _cells(scope, since, until, filters)
    result = _from_cells(cells)
    result["by_tag"] = _by_tag(scope, since, until, filters)
    result["by_departement"] = _by_departement(scope, since, until, filters, _pair(result))
    period = calendar_period(since, until)
    anonymous_new = result.pop("anonymous_new")
    if period and not filters.place_type and not filters.employer_kind:
        row = StatPeople.objects.filter(
            scope_kind=scope.kind, scope_code=scope.code, period=period, type=filters.type
        ).first()
        for measure in DISTINCT_MEASURES:
            distinct = measure.distinct
            count = getattr(row, distinct.column) if row else 0
            result[measure.key] = count + (anonymous_new if distinct.with_anonymous_first_time else 0)
        people = ROLLUPS
    else:
        live = activities(scope, since, until, filters)
        for measure in DISTINCT_MEASURES:
            result[measure.key] = indicators.distinct_count(live, measure.distinct)
        people = LIVE
    result["computed"] = {"figures": ROLLUPS, "people": people}
    return {key: result[key] for key in (*FIGURE_KEYS, "computed")}


def registry_figures(scope: Scope, until: datetime.date | None, today: datetime.date) -> dict:
    """The registry's figures at the end of the period (today when it runs on or is open): advisors in post."""
    on = min(until, today) if until else today
    return {"advisors_in_post": programme_figures(scope, on=on)["advisors_in_post"]}


def _whole_months(since, until) -> bool:
    return (since is None or since.day == 1) and (until is None or until == _month_end(until))


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def calendar_period(since, until) -> str | None:
    """ "all", "2025", "2025-T2" or "2025-04" when [since, until] is exactly that period, else None."""
    if since is None and until is None:
        return "all"
    if since is None or until is None or since.day != 1 or until != _month_end(until) or since.year != until.year:
        return None
    months = until.month - since.month + 1
    _, year, quarter, month = periods_of(since)
    if months == 12:
        return year
    if months == 3 and since.month % 3 == 1:
        return quarter
    if months == 1:
        return month
    return None


def _filtered(queryset, scope: Scope, since, until, filters: Filters, *, scoped=True):
    if scoped:
        queryset = queryset.filter(scope_kind=scope.kind, scope_code=scope.code)
    if since:
        queryset = queryset.filter(month__gte=since)
    if until:
        queryset = queryset.filter(month__lte=until)
    for name in ("type", "place_type", "employer_kind"):
        if getattr(filters, name):
            queryset = queryset.filter(**{name: getattr(filters, name)})
    return queryset


def _cells(scope, since, until, filters):
    fields = ("month", "type", "place_type", "employer_kind", *StatCell.MEASURES)
    return list(_filtered(StatCell.objects.order_by(), scope, since, until, filters).values_list(*fields))


def _from_cells(cells) -> dict:
    # Column sums over the rows (a national scope reads about a thousand rows of ~80 measures).
    columns = list(zip(*cells, strict=True)) or [()] * (4 + len(StatCell.MEASURES))
    totals = Counter({name: sum(column) for name, column in zip(StatCell.MEASURES, columns[4:], strict=True)})
    by_type, by_employer, by_place = defaultdict(Counter), defaultdict(Counter), Counter()
    by_month = defaultdict(Counter)
    activities_, accompaniments_ = columns[4 + INDEX["activities"]], columns[4 + INDEX["accompaniments"]]
    for month, kind, place, employer, n, m in zip(*columns[:4], activities_, accompaniments_, strict=True):
        for target in (by_type[kind], by_employer[employer], by_month[f"{month:%Y-%m}"]):
            target["activities"] += n
            target["accompaniments"] += m
        by_place[place] += n
    types = {kind: _pair(by_type[kind]) for kind in ActivityType.values}
    employers = {kind: _pair(by_employer[kind]) for kind in ("public", "private")}
    return {
        "activities": totals["activities"],
        "accompaniments": totals["accompaniments"],
        "new_beneficiaries": totals["new_people"],
        "anonymous_new": totals["anonymous_new"],
        "progressed_rate": totals["progressed"] / totals["asked"] if totals["asked"] else None,
        "hours": round(totals["minutes"] / 60, 1),
        "individual_vs_collective": _with_shares(types),
        "by_employer_type": _with_shares(employers),
        "collective_participants": by_type[ActivityType.COLLECTIVE]["accompaniments"],
        "followed_vs_anonymous": {
            "followed": totals["followed"],
            "anonymous": totals["accompaniments"] - totals["followed"],
        },
        "by_place_type": indicators.sorted_counts(by_place),
        "by_month": {month: _pair(by_month[month]) for month in sorted(by_month)},
        **{
            b.key: indicators.sorted_counts({v: totals[column_name(b.dimension, v)] for v in b.values})
            for b in COLUMN_BREAKDOWNS
        },
    }


def _by_tag(scope, since, until, filters) -> dict[str, int]:
    """Activities per tag id, summed by the database over the scope's StatTag rows."""
    rows = (
        _filtered(StatTag.objects.order_by(), scope, since, until, filters).values("tag").annotate(n=Sum("activities"))
    )
    return indicators.sorted_counts({str(row["tag"]): row["n"] for row in rows})


def _pair(counter) -> dict[str, int]:
    return {"activities": counter["activities"], "accompaniments": counter["accompaniments"]}


def _with_shares(groups: dict) -> dict:
    shares = indicators.round_shares({kind: counts["activities"] for kind, counts in groups.items()})
    return {kind: {**counts, "share": shares[kind]} for kind, counts in groups.items()}


def _by_departement(scope, since, until, filters, total: dict[str, int]) -> dict:
    """Activities and accompaniments per département of the employer structure (`total`: the scope's own, which
    tells nationally what structures without a département did)."""
    if scope.kind in (ScopeKind.TEAM, ScopeKind.ADVISOR):
        return indicators.by_departement(activities(scope, since, until, filters))
    groups = defaultdict(Counter)
    if scope.kind in (ScopeKind.NATIONAL, ScopeKind.REGION, ScopeKind.HUB, ScopeKind.DEPARTEMENT):

        def summed(codes: list[str]) -> dict[str, tuple[int, int]]:
            cells = _filtered(StatCell.objects.order_by(), scope, since, until, filters, scoped=False).filter(
                scope_kind=ScopeKind.DEPARTEMENT, scope_code__in=codes
            )
            return {code: (n, m) for code, n, m in _sums_by_code(cells)}

        asked = (since, until, filters.type, filters.place_type, filters.employer_kind)
        sums = cached.by_code(ScopeKind.DEPARTEMENT, _departements(scope), asked, summed)
        for code, pair in sums.items():
            if pair:
                groups[code].update({"activities": pair[0], "accompaniments": pair[1]})
        if scope.kind == ScopeKind.NATIONAL:
            # Structures without a département count nationally only.
            total = Counter(total)
            known = Counter()
            for counts in groups.values():
                known.update(counts)
            missing = total - known
            if missing:
                groups[None] = missing
    else:
        structures = dict(structures_of(scope).order_by().values_list("pk", "departement_id"))
        cells = _filtered(StatCell.objects.order_by(), scope, since, until, filters, scoped=False).filter(
            scope_kind=ScopeKind.STRUCTURE, scope_code__in=[str(pk) for pk in structures]
        )
        for code, n, m in _sums_by_code(cells):
            groups[structures[int(code)]].update({"activities": n, "accompaniments": m})
    return {
        code or indicators.NO_DEPARTEMENT: _pair(groups[code])
        for code in sorted(groups, key=lambda code: code or "~")
        if groups[code]["activities"] or groups[code]["accompaniments"]
    }


def _sums_by_code(cells) -> list[tuple[str, int, int]]:
    """(scope code, activities, accompaniments) summed by the database over the cells' months and dimensions."""
    sums = cells.values("scope_code").annotate(n=Sum("activities"), m=Sum("accompaniments"))
    return [(row["scope_code"], row["n"], row["m"]) for row in sums]


def _departements(scope: Scope) -> list[str]:
    if scope.kind == ScopeKind.DEPARTEMENT:
        return [scope.code]
    if scope.kind == ScopeKind.REGION:
        return list(Departement.objects.filter(region_id=scope.code).values_list("code", flat=True))
    if scope.kind == ScopeKind.HUB:
        hub = Hub.objects.filter(pk=int(scope.code)).first()
        return sorted(hub.departement_codes()) if hub else []
    return list(Departement.objects.values_list("code", flat=True))


def by_structure(scope: Scope, since=None, until=None, filters: Filters | None = None) -> dict[int, dict[str, int]]:
    """Activities and accompaniments per employer structure (database id) of a département, EPCI, commune or
    network: read from the structures' rollup rows when the period allows it, else counted live."""
    filters = filters or Filters()
    structures = structures_of(scope).order_by()
    if filters.needs_live or not _whole_months(since, until):
        return counts_by(activities(scope, since, until, filters), "structure_id")
    codes = [str(pk) for pk in structures.values_list("pk", flat=True)]
    cells = _filtered(StatCell.objects.order_by(), scope, since, until, filters, scoped=False)
    groups = defaultdict(Counter)
    rows = cells.filter(scope_kind=ScopeKind.STRUCTURE, scope_code__in=codes)
    for code, n, m in _sums_by_code(rows):
        groups[int(code)].update({"activities": n, "accompaniments": m})
    return {pk: _pair(counts) for pk, counts in groups.items() if counts["activities"]}


def counts_by(queryset, field: str) -> dict:
    """Activities and accompaniments per value of an activity field, counted live as indicators.accompaniments."""
    return indicators.grouped_counts(queryset, field, f"activity__{field}")


def daily_series(scope: Scope, since: datetime.date, until: datetime.date, filters: Filters | None = None) -> dict:
    """Par jour : activités et accompagnements de chaque jour de la période (calcul direct, 92 jours au plus)."""
    if (until - since).days > 92:
        raise ValueError("La série quotidienne couvre 92 jours au plus.")
    return indicators.by_day(activities(scope, since, until, filters))
