"""The dashboards' cache (docs/adr/0008-dashboard-cache.md): a page viewed before is served from Django's cache
(`CACHES`, a table of the database shared by every gunicorn worker), as the HTML of its body, never as a response.

A page's body is two entries, keyed by everything each depends on:

- the *head* (breadcrumb, title, the filters' form): the scope and the query string as asked, the reader's rights
  (cnum.stats.perms.reader_key: links, names and tags differ from one role to another), the day (open and relative
  periods, "today"), and the versions of the tables' generation and of the registry (cnum.stats.versions);
- the *figures* (what the period shows, tiles, charts, map, drill-down): the same, plus the version of the scope's
  figures, moved by every rollup write that touches the scope. The first view after a write rebuilds the figures
  only; the head, and the registry's figures (`cached.programme_figures`), are still cached.

Nothing per request is cached: the CSRF token, the messages and the header are rendered for each request around the
cached body. An entry also expires after CNUM_STATS_CACHE_SECONDS, which bounds how long a registry write that sends
no signal (a bulk creation of contracts) may go unseen.
"""

import json
import zlib
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cnum.stats import cached, pending, perms, versions
from cnum.stats.scopes import Scope


class Keys(NamedTuple):
    head: str
    figures: str


def keys(scope: Scope, query, user) -> Keys:
    """The cache keys of the dashboard of `scope` asked with `query` (a QueryDict) by `user`. The versions are read
    first, before anything the page shows, so that an entry is never stored under versions newer than its content
    (cnum.stats.versions)."""
    pending.catch_up()  # activities recorded a moment ago are counted (and their scopes' versions moved) first
    generation, registry, figures = versions.read(scope)
    asked = (
        str(scope),
        sorted((name, tuple(query.getlist(name))) for name in query),
        perms.reader_key(user),
        timezone.localdate().isoformat(),
        generation,
        registry,
    )
    return Keys(cached.hashed("head", asked), cached.hashed("figures", (*asked, figures)))


def get(names: Keys) -> tuple[dict | None, dict | None]:
    """The cached (head, figures) of a page, None for each one missing (one read of the cache)."""
    found = cache.get_many(names)
    return _unpacked(found.get(names.head)), _unpacked(found.get(names.figures))


def put(name: str, entry: dict[str, str | bool]) -> None:
    """Store a part of a page (its HTML), compressed: the national page's figures are ≈ 270 kB of HTML, ≈ 25 kB once
    compressed, which the cache table writes and reads in a fraction of the time (the first view after a write
    stores it: 4 ms on PostgreSQL uncompressed)."""
    cache.set(name, zlib.compress(json.dumps(entry).encode(), 1), settings.CNUM_STATS_CACHE_SECONDS)


def _unpacked(stored: bytes | None) -> dict | None:
    return json.loads(zlib.decompress(stored)) if stored is not None else None
