"""Versions of the figures (docs/adr/0008-dashboard-cache.md): a counter per scope of the rollup tables, moved in the
transaction of every write that touches the scope's figures, so that a dashboard cached under the versions it was
built from is never read once a write has changed what it shows.

- `bump(keys)`: the rollup update (cnum.stats.rollups) moves the version of each (scope kind, scope code) whose rows
  it upserts, before and after the write (an activity moved within its month changes no cell but the daily series);
- `bump_generation()`: a rebuild of the tables moves every scope at once;
- `bump_registry()`: a write of what the dashboards read beside the rollups — contracts, posts, structures and
  their names, teams, advisors, territories, tags — moves every dashboard too (registry writes are rare; `connect`).

`read(scope)` gives the versions a page of `scope` depends on. It must be read *before* the figures: a write that
commits in between then leaves behind an entry under the old versions that no later reader asks for, never old
figures under the new versions. Versions only grow, and their rows are never deleted.
"""

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from cnum.core import writes
from cnum.stats.models import ScopeVersion
from cnum.stats.scopes import Scope

GENERATION = ("*", "")
REGISTRY = ("registry", "")
#: The apps whose rows the dashboards read beside the rollups (names, links, registry figures, who sees what).
REGISTRY_APPS = frozenset({"structures", "advisors", "territories"})
#: … and these models of other apps (app label, model name).
REGISTRY_MODELS = frozenset({("activities", "tag")})
#: The versions read within `held()`, by scope.
_held = contextvars.ContextVar("cnum_stats_versions_held", default=None)


def bump(keys: Iterable[tuple[str, str]]) -> None:
    """Move the version of each (scope kind, scope code), in the caller's transaction (rows made on first bump)."""
    rows = sorted(set(keys))  # one order for every writer: concurrent bumps do not deadlock on PostgreSQL
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(ScopeVersion._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({quote('scope_kind')}, {quote('scope_code')}, {quote('version')}) "
                f"VALUES {', '.join(['(%s, %s, 1)'] * len(chunk))} "
                f"ON CONFLICT ({quote('scope_kind')}, {quote('scope_code')}) "
                f"DO UPDATE SET {quote('version')} = {table}.{quote('version')} + 1",
                [value for row in chunk for value in row],
            )


def bump_generation() -> None:
    """Every scope at once: the tables were rebuilt."""
    bump([GENERATION])


def bump_registry() -> None:
    bump([REGISTRY])


@contextmanager
def held():
    """Within: each scope's versions read once (`read`), the first reading kept — what a page reads first holds for
    the whole page, whose entries are then never stored under versions newer than their content."""
    token = _held.set({})
    try:
        yield
    finally:
        _held.reset(token)


def read(scope: Scope) -> tuple[int, int, int]:
    """(generation, registry, scope) versions for a page of `scope`, in one query (none within `held()` once read).
    A page of a scope depends on the rows of that scope and on those of scopes inside it (its départements,
    structures, advisors): an activity counted in those is counted in the scope too, so that the scope's version
    moves with them."""
    scope = scope.canonical()
    memo = _held.get()
    if memo is None:
        return _read(scope)
    if str(scope) not in memo:
        memo[str(scope)] = _read(scope)
    return memo[str(scope)]


def _read(scope: Scope) -> tuple[int, int, int]:
    wanted = [GENERATION, REGISTRY, (str(scope.kind), scope.code)]
    condition = Q()
    for kind, code in wanted:
        condition |= Q(scope_kind=kind, scope_code=code)
    found = {
        (kind, code): version
        for kind, code, version in ScopeVersion.objects.filter(condition).values_list(
            "scope_kind", "scope_code", "version"
        )
    }
    return tuple(found.get(key, 0) for key in wanted)


def registry_key() -> tuple[int, int]:
    """(generation, registry) versions, in one query: what the rollups read beside the activities (the structures'
    territories, hubs and networks, the advisors' teams) is unchanged while they are."""
    found = dict(
        ScopeVersion.objects.filter(
            Q(scope_kind=GENERATION[0], scope_code=GENERATION[1]) | Q(scope_kind=REGISTRY[0], scope_code=REGISTRY[1])
        ).values_list("scope_kind", "version")
    )
    return found.get(GENERATION[0], 0), found.get(REGISTRY[0], 0)


def read_codes(kind: str, codes: Iterable[str]) -> tuple[int, dict[str, int]]:
    """(generation, {code: version}) for many scopes of one kind (a map's départements), in one query; a scope never
    written has version 0."""
    codes = list(codes)
    condition = Q(scope_kind=GENERATION[0], scope_code=GENERATION[1])
    if codes:
        condition |= Q(scope_kind=kind, scope_code__in=codes)
    found = {
        (row_kind, code): version
        for row_kind, code, version in ScopeVersion.objects.filter(condition).values_list(
            "scope_kind", "scope_code", "version"
        )
    }
    return found.get(GENERATION, 0), {code: found.get((kind, code), 0) for code in codes}


# --- the registry's writes ------------------------------------------------------------------------------------------


def _is_registry(model) -> bool:
    meta = model._meta
    return meta.app_label in REGISTRY_APPS or (meta.app_label, meta.model_name) in REGISTRY_MODELS


def _on_registry_signal(sender, **kwargs):
    if _is_registry(sender) and not kwargs.get("raw"):
        bump_registry()


@contextmanager
def _follow_bulk_write(write):
    """Queryset updates, deletions and bulk writes of the registry's gateway models send no signal."""
    yield
    if _is_registry(write.model):
        bump_registry()


def connect() -> None:
    """Follow the registry's writes: saves and deletions (admin, forms, services, importers saving row by row),
    many-to-many changes, and the bulk writes of the models behind cnum.core.writes' gateway. A bulk write of another
    registry model (`bulk_create` of contracts…) is seen at the latest when the cache entry expires
    (CNUM_STATS_CACHE_SECONDS)."""
    post_save.connect(_on_registry_signal, dispatch_uid="stats-versions-save")
    post_delete.connect(_on_registry_signal, dispatch_uid="stats-versions-delete")
    m2m_changed.connect(_on_registry_signal, dispatch_uid="stats-versions-m2m")
    writes.follow(_follow_bulk_write)
