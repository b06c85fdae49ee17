"""Figures cached beside the pages (docs/adr/0008-dashboard-cache.md), each under the versions it depends on
(cnum.stats.versions), in Django's cache (`CACHES`):

- `by_code`: a figure of each scope of one kind (the map's départements), each under its own scope's version;
- `programme_figures`: the registry's figures of a scope, under the registry's version (a recording does not move
  them);
- `national`: what is computed from the rollups of every département (the public pages' secrecy), under the
  national scope's versions, which every write counted anywhere moves.

`one_reading()` holds what a page reads first for the whole page: the pending activities are counted once (not
once per part of the page that reads the tables) and each scope's versions are read once.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache

from cnum.stats import pending, programme, versions
from cnum.stats.scopes import Scope, ScopeKind

#: The format of the entries is part of their keys: entries of an earlier release are never read, they expire.
PREFIX = "stats:dashboard:2:"
#: How long a département's sums stay cached (`by_code`).
BY_CODE_SECONDS = 3600


def hashed(kind: str, parts: tuple) -> str:
    """The cache key of an entry of `kind` depending on `parts` (anything with a stable repr)."""
    return f"{PREFIX}{kind}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


@contextmanager
def one_reading():
    """Within: what is pending counted once, at the start, and each scope's versions read once. A write committed
    meanwhile is counted by the next reading; nothing is cached under versions newer than its content."""
    with pending.caught_up(), versions.held():
        yield


def by_code(kind: str, codes: Iterable[str], asked: tuple, compute: Callable[[list[str]], dict]) -> dict:
    """A figure of each scope of `kind` in `codes` (a map's départements), each cached under its own scope's version:
    after a write in one département, the national map sums that département again, not the hundred others.
    `compute(missing codes)` gives the figures of the codes not cached, by code; `asked` is what else the figure
    depends on (the period, the filters). A code `compute` leaves out is cached as None.

    Only the rollup tables are read, and every write of them moves a version: the registry's writes do not empty
    these entries, and they live an hour (BY_CODE_SECONDS), not the few minutes that bound what no version sees."""
    generation, found = versions.read_codes(kind, codes)
    names = {code: hashed("by-code", (kind, code, version, generation, asked)) for code, version in found.items()}
    stored = cache.get_many(names.values())
    result = {code: stored[name] for code, name in names.items() if name in stored}
    missing = [code for code in names if names[code] not in stored]
    if missing:
        computed = compute(missing)
        fresh = {code: computed.get(code) for code in missing}
        cache.set_many({names[code]: value for code, value in fresh.items()}, BY_CODE_SECONDS)
        result.update(fresh)
    return result


def programme_figures(scope: Scope, on: datetime.date) -> dict:
    """cnum.stats.programme.programme_figures, cached per registry version: a write of activities does not move
    them, so that the first view after it does not read the registry again."""
    generation, registry, _ = versions.read(scope)
    name = hashed("programme", (str(scope), on.isoformat(), generation, registry))
    figures = cache.get(name)
    if figures is None:
        figures = programme.programme_figures(scope, on=on)
        cache.set(name, figures, settings.CNUM_STATS_CACHE_SECONDS)
    return figures


def national(kind: str, compute: Callable[[], object]):
    """`compute()`, a value read from the rollup tables of the whole country (every département's cells), cached
    under the national scope's versions: every write of the rollups, wherever it counts, moves the national
    figures and so their version (cnum.stats.versions); the registry's version too, for the names it may read."""
    generation, registry, figures = versions.read(Scope(ScopeKind.NATIONAL))
    name = hashed(kind, (generation, registry, figures))
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, settings.CNUM_STATS_CACHE_SECONDS)
    return value
