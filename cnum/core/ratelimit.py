"""Rate limits of the API throttles (cnum.api.throttling) and of the password-reset form (cnum.accounts).

Both are shared by every worker (a per-process count would multiply the limit by the number of workers):

- `count`, the API's, is a fixed window counted in the database (`RateCounter`, one row per client): one atomic
  upsert per request, where a sliding window in Django's database cache cost a read, a `COUNT(*)` of the cache
  table and a write transaction (issue #20). A client may make `n` requests per window aligned on the clock (so up
  to 2n across a window's end); the wait says when the window ends.
- `hit`, the password reset's, keeps a sliding window in Django's cache (a few requests an hour): a client may make
  `n` requests in any period, and the wait says when the oldest one leaves the window.
"""

import ipaddress
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from cnum.core.models import RateCounter
from cnum.core.prepared import server_bound

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}
RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*")


def parse_rate(rate: str) -> tuple[int, int]:
    """A rate such as "120/min" or "1/15min" as (120, 60) or (1, 900): requests allowed, period in seconds."""
    match = RATE.fullmatch(rate)
    if not match or match[3] not in PERIODS or match[2] == "0":
        raise ImproperlyConfigured(f"Limite de requêtes invalide : {rate!r} (attendu par exemple « 120/min »).")
    return int(match[1]), int(match[2] or 1) * PERIODS[match[3]]


def hit(key: str, rate: str) -> float | None:
    """Count one request under `key`; None when it is within `rate`, else the seconds to wait (not counted)."""
    limit, period = parse_rate(rate)
    now = time.time()
    history = [moment for moment in cache.get(key, []) if moment > now - period]
    if len(history) >= limit:
        return history[-1] + period - now
    cache.set(key, [now, *history], period)
    return None


#: One statement on SQLite (≥ 3.35) and PostgreSQL alike: the client's row counts one more request in the current
#: window, or starts the window again.
_TABLE = RateCounter._meta.db_table
_COUNT = f"""
    INSERT INTO {_TABLE} (name, window_start, hits) VALUES (%s, %s, 1)
    ON CONFLICT (name) DO UPDATE SET
        hits = CASE WHEN {_TABLE}.window_start = excluded.window_start THEN {_TABLE}.hits + 1 ELSE 1 END,
        window_start = excluded.window_start
    RETURNING hits
"""
#: Rows of clients not seen for this many seconds are deleted (when some client starts a new window).
STALE = 86_400


def count(key: str, rate: str) -> float | None:
    """Count one request under `key` in its fixed window; None when it is within `rate`, else the seconds until
    the window ends."""
    limit, period = parse_rate(rate)
    now = time.time()
    start = int(now // period * period)
    with server_bound(connection) as cursor:  # prepared after a few requests: planned once per connection
        cursor.execute(_COUNT, [key, start])
        (hits,) = cursor.fetchone()
        if hits == 1:  # a new window for this client: forget the clients gone for a day
            RateCounter.objects.filter(window_start__lt=start - STALE).delete()
    if hits > limit:
        return start + period - now
    return None


def client_address(request) -> str:
    """The client's address: the connection's, or behind `CNUM_TRUSTED_PROXIES` reverse proxies the one they saw
    (the n-th from the right in X-Forwarded-For, as django-ninja reads it, so that nobody picks their own)."""
    remote = request.META.get("REMOTE_ADDR") or "inconnue"
    proxies = settings.NINJA_NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = forwarded.split(",")
    chosen = addresses[-min(proxies, len(addresses))].strip()
    return chosen if _is_ip(chosen) else remote


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def login_client_address(request) -> str | None:
    """client_address for django-axes, which stores it in an IP address column: None when there is none."""
    address = client_address(request)
    return address if _is_ip(address) else None
