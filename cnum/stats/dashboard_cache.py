"""The dashboards' cache (docs/adr/0008-dashboard-cache.md): a page viewed before is served from Django's cache
(`CACHES`, a table of the database shared by every gunicorn worker), as the HTML of its body, never as a response.

An entry is keyed by everything the body depends on:

- the scope and the query string (period, filters, narrowed advisor), as asked;
- the reader's rights (cnum.stats.perms.reader_key): links, advisors' names and tags differ from one role to another;
- the day: open and relative periods ("année en cours"), and registry figures read "today";
- the versions of the figures (cnum.stats.versions): the scope's, moved by every rollup write that touches it, the
  tables' generation, moved by a rebuild, and the registry's.

Nothing per request is cached: the CSRF token, the messages and the header are rendered for each request around the
cached body. An entry also expires after CNUM_STATS_CACHE_SECONDS, which bounds how long a registry write that sends
no signal (a bulk creation of contracts) may go unseen.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cnum.stats import perms, versions
from cnum.stats.scopes import Scope

PREFIX = "stats:dashboard:"


def key(scope: Scope, query, user) -> str:
    """The cache key of the dashboard of `scope` asked with `query` (a QueryDict) by `user`. The versions are read
    first, before any figure, so that an entry is never stored under versions newer than its figures."""
    parts = (
        str(scope),
        sorted((name, tuple(query.getlist(name))) for name in query),
        perms.reader_key(user),
        timezone.localdate().isoformat(),
        versions.read(scope),
    )
    return PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()


def get(name: str) -> dict | None:
    return cache.get(name)


def put(name: str, page: dict) -> None:
    cache.set(name, page, settings.CNUM_STATS_CACHE_SECONDS)
