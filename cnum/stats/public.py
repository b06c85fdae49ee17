"""What the public statistics of a territory may show (secret statistique), consistently with the open data
(cnum.stats.opendata) and the national public page: nothing one page withholds can be recomputed from what the
other pages and files publish.

Rules (docs/statistics.md, "Statistiques publiques d'un territoire"):
- **National**: the département map withholds the départements of `national_secret` (fewer than 5 activities or
  accompaniments, plus enough others that none can be recomputed from the national total).
- **Département**: withheld as a whole when the national map withholds it. Its months are those of the open-data
  file, secret where the file is secret; each breakdown value (theme, age…) is secret where a national
  département × value table, with both margins published, makes it secret (the themes also where the open-data
  file does).
- **Région**: withheld as a whole when one of its départements is; a month or a breakdown value is secret when it
  is for one of its départements (a région's figure minus its other départements' would give it away).
- **Commune**: withheld when fewer than 5 activities or accompaniments, or when the communes of its département
  need it so that no withheld commune is the département's total minus the others'. **EPCI**: withheld when under
  5 or when one of its communes is. Both show their totals only (no months nor breakdowns, which would combine
  with the département's into smaller cells).
- Everywhere: no count under 5 (`disclosure.THRESHOLD`); a share of people who progressed only when at least 5
  people were asked; and on each page, the secret values of a breakdown are never alone (secondary suppression
  against the page's own total).
"""

from dataclasses import dataclass, field

from django.db.models import Sum

from cnum.stats import cached, disclosure, engine, opendata
from cnum.stats.catalogue import COLUMN_BREAKDOWNS
from cnum.stats.disclosure import COLUMNS, ROWS, THRESHOLD, suppress
from cnum.stats.models import BREAKDOWNS, StatCell, column_name
from cnum.stats.scopes import Scope, ScopeError, ScopeKind
from cnum.territories.models import Commune, Departement

#: Scopes that have a public page: territories only (an employer's or an advisor's figures are not public).
PUBLIC_KINDS = (ScopeKind.NATIONAL, ScopeKind.REGION, ScopeKind.DEPARTEMENT, ScopeKind.EPCI, ScopeKind.COMMUNE)
#: Territories shown with their totals only.
TOTALS_ONLY = (ScopeKind.EPCI, ScopeKind.COMMUNE)
#: Figure key of a breakdown → the rollup dimension it is read from.
DIMENSIONS = {breakdown.key: breakdown.dimension for breakdown in COLUMN_BREAKDOWNS}
#: The rollup columns of a territory's shares (employers public or private, place types).
SHARE_COLUMNS = ("employer_kind", "place_type")


def public_scope(text: str) -> Scope:
    """The territory of a public page ("departement:69"…); ScopeError (French message) when it is not public or
    does not exist."""
    scope = Scope.parse(text) if text.strip() else Scope(ScopeKind.NATIONAL)
    if scope.kind not in PUBLIC_KINDS:
        raise ScopeError(
            "Les statistiques publiques portent sur la France, une région, un département, un EPCI ou une commune."
        )
    scope.check_exists()
    return scope


@dataclass
class Secrecy:
    """What a public page withholds: everything (`withheld`), months ("AAAA-MM") or breakdown values."""

    withheld: bool = False
    months: set[str] = field(default_factory=set)
    values: dict[str, set[str]] = field(default_factory=dict)


def secrecy(scope: Scope, figures: dict) -> Secrecy:
    """The secrecy of the public page of `scope`, whose all-time figures are `figures` (engine.figures)."""
    if scope.kind == ScopeKind.NATIONAL:
        return _own(figures, Secrecy())
    if min(figures["activities"], figures["accompaniments"]) < THRESHOLD:
        return Secrecy(withheld=True)
    if scope.kind in TOTALS_ONLY:
        return Secrecy(withheld=scope.code in _secret_communes(scope))
    codes = departements_of(scope)
    if codes & national_secret():
        return Secrecy(withheld=True)
    secrets = national_secrets()
    result = Secrecy()
    result.months = {month for code, month in secrets.months if code in codes}
    for key in DIMENSIONS:
        result.values[key] = {value for code, value in secrets.values[key] if code in codes}
    return _own(figures, result)


def _own(figures: dict, result: Secrecy) -> Secrecy:
    """Adds the page's own suppression: months and breakdown values under 5, and one more when a single one would
    be the page's total minus the others."""
    months = {("total", m): min(c["activities"], c["accompaniments"]) for m, c in figures["by_month"].items()}
    result.months |= {month for _, month in suppress(months, THRESHOLD, (ROWS,))}
    for key in DIMENSIONS:
        table = {(key, value): count for value, count in figures[key].items() if count}
        hidden = {value for _, value in suppress(table, THRESHOLD, (ROWS,))}
        result.values[key] = result.values.get(key, set()) | hidden
    return result


def national_secret() -> frozenset[str]:
    """Départements the national public page withholds (fewer than 5, plus those that would give them away)."""
    by_departement = engine.figures(Scope(ScopeKind.NATIONAL))["by_departement"]
    table = {(code, "total"): min(c["activities"], c["accompaniments"]) for code, c in by_departement.items()}
    return frozenset(code for code, _ in disclosure.suppress(table, THRESHOLD, (COLUMNS,)))


def departements_of(scope: Scope) -> set[str]:
    """The départements of a département's or a région's page."""
    if scope.kind == ScopeKind.DEPARTEMENT:
        return {scope.code}
    return set(Departement.objects.filter(region_id=scope.code).values_list("code", flat=True))


@dataclass(frozen=True)
class NationalSecrets:
    """The secret cells of the national tables every département's and région's page follows: the (département,
    "AAAA-MM") months of the open-data file; by breakdown key, the (département, value) cells of the national
    département × value tables; by share column (`SHARE_COLUMNS`), the same for the shares."""

    months: frozenset[tuple[str, str]]
    values: dict[str, frozenset[tuple[str, str]]]
    shares: dict[str, frozenset[tuple[str, str]]]


def national_secrets() -> NationalSecrets:
    """The national tables' secret cells, computed once per version of the national figures
    (cnum.stats.cached.national): they read every département's rollups (≈ 0.6 s at national scale on SQLite), and
    any write counted in a département moves the national figures' version, so that an entry is never read after
    the figures it was computed from have changed."""
    return cached.national("public-secrets", _national_secrets)


def _national_secrets() -> NationalSecrets:
    return NationalSecrets(
        months=frozenset(_open_data_secret_months()),
        values={key: frozenset(_departement_secret_values(dimension)) for key, dimension in DIMENSIONS.items()},
        shares={column: frozenset(_departement_share_secret(column)) for column in SHARE_COLUMNS},
    )


def _open_data_secret_months() -> set[tuple[str, str]]:
    """(département, "AAAA-MM") rows the open-data file leaves secret."""
    rows = opendata.departement_months(opendata.Period())
    return {(row["departement"], row["mois"]) for row in rows if row[opendata.SECRET]}


def _departement_secret_values(dimension: str) -> set[tuple[str, str]]:
    """(département, value) cells of a national département × value table that are secret, each département's and
    each value's total being published; for themes, also those the open-data file leaves secret."""
    columns = {column_name(dimension, value): value for value in BREAKDOWNS[dimension]}
    rows = (
        StatCell.objects.filter(scope_kind=ScopeKind.DEPARTEMENT)
        .order_by()
        .values("scope_code")
        .annotate(**{column: Sum(column) for column in columns})
    )
    table = {
        (row["scope_code"], value): row[column] for row in rows for column, value in columns.items() if row[column]
    }
    hidden = suppress(table, THRESHOLD, (ROWS, COLUMNS))
    if dimension == "theme":
        themes = opendata.departement_themes(opendata.Period())
        hidden |= {(row["departement"], row["thematique"]) for row in themes if row[opendata.SECRET]}
    return hidden


def _departement_share_secret(column: str) -> set[tuple[str, str]]:
    """(département, value) cells of the national département × `column` table left secret (under 5 activities or
    accompaniments, and enough others that none is a row's or a column's total minus the rest)."""
    rows = (
        StatCell.objects.filter(scope_kind=ScopeKind.DEPARTEMENT)
        .order_by()
        .values("scope_code", column)
        .annotate(activities=Sum("activities"), accompaniments=Sum("accompaniments"))
    )
    table = {
        (row["scope_code"], row[column]): min(row["activities"], row["accompaniments"])
        for row in rows
        if row["activities"]
    }
    return suppress(table, THRESHOLD, (ROWS, COLUMNS))


def _secret_communes(scope: Scope) -> set[str]:
    """Communes whose page is withheld among those of the départements `scope` touches: under 5, or needed so
    that none of those can be recomputed from the département's total. For an EPCI, its SIREN when one of its
    communes is withheld."""
    if scope.kind == ScopeKind.COMMUNE:
        departements = set(Commune.objects.current().filter(code=scope.code).values_list("departement_id", flat=True))
    else:
        departements = set(
            Commune.objects.current().filter(epci_id=scope.code).values_list("departement_id", flat=True)
        )
    hidden = set()
    for code in departements:
        hidden |= _withheld_communes(code)
    if scope.kind == ScopeKind.EPCI:
        members = set(Commune.objects.current().filter(epci_id=scope.code).values_list("code", flat=True))
        return {scope.code} if members & hidden else set()
    return hidden


def _withheld_communes(departement: str) -> set[str]:
    communes = Commune.objects.current().filter(departement_id=departement).values_list("code", flat=True)
    rows = (
        StatCell.objects.filter(scope_kind=ScopeKind.COMMUNE, scope_code__in=communes)
        .order_by()
        .values("scope_code")
        .annotate(activities=Sum("activities"), accompaniments=Sum("accompaniments"))
    )
    table = {(departement, row["scope_code"]): min(row["activities"], row["accompaniments"]) for row in rows}
    return {code for _, code in suppress(table, THRESHOLD, (ROWS,))}


def progressed_asked(scope: Scope) -> int:
    """People asked whether they progressed, in the scope, all time (the rate is published from 5)."""
    cells = StatCell.objects.filter(scope_kind=scope.kind, scope_code=scope.code)
    return cells.aggregate(asked=Sum("asked"))["asked"] or 0


def shared_secrecy(figures: dict) -> Secrecy:
    """The secrecy of the figures an advisor or a structure shares by a public link (cnum.stats.sharing): withheld
    as a whole under 5 activities or accompaniments, else the page's own suppression (months and breakdown values
    under 5, and those that would be the total minus the others). The same threshold as the open data."""
    if min(figures["activities"], figures["accompaniments"]) < THRESHOLD:
        return Secrecy(withheld=True)
    return _own(figures, Secrecy())
