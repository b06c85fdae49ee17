"""Rate limits shared by the API throttles (cnum.api.throttling) and the password-reset form (cnum.accounts).

The request times live in Django's cache, which must be shared by every worker in production (a database table
by default): a per-process cache would multiply the limit by the number of workers. The window slides: a client
may make `n` requests in any period, and the wait says when the oldest one leaves the window.
"""

import ipaddress
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

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
