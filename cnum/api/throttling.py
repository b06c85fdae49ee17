"""Rate limits of the API (django-ninja throttles): per token for partners, per address without a token.

The rates come from settings (CNUM_API_RATE_PER_TOKEN, CNUM_API_RATE_PER_IP, "120/min"), read at each request.
The request times live in Django's cache, which must be shared by every worker in production (a database table
by default, or Redis): a per-process cache would multiply the limit by the number of workers. The window slides:
a client may make `n` requests in any period, and Retry-After says when the oldest one leaves the window.
"""

import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from ninja.throttling import BaseThrottle

from cnum.api.models import ApiToken

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """A rate such as "120/min" as (120, 60): the number of requests allowed, and the period in seconds."""
    count, _, unit = rate.partition("/")
    if not count.strip().isdigit() or unit.strip() not in PERIODS:
        raise ImproperlyConfigured(f"Limite de requêtes invalide : {rate!r} (attendu par exemple « 120/min »).")
    return int(count), PERIODS[unit.strip()]


class SlidingWindowThrottle(BaseThrottle):
    #: Name of the setting holding the rate, and the prefix of the cache keys.
    setting = ""
    scope = ""

    def __init__(self):
        # One instance serves every request of the worker: the wait computed for a request stays in its thread.
        self._local = threading.local()

    def identify(self, request) -> str | None:
        """Who is counted; None when this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request) -> bool:
        self._local.wait = None
        ident = self.identify(request)
        if ident is None:
            return True
        limit, period = parse_rate(getattr(settings, self.setting))
        key = f"cnum-api-rate:{self.scope}:{ident}"
        now = time.time()
        history = [moment for moment in cache.get(key, []) if moment > now - period]
        if len(history) >= limit:
            self._local.wait = history[-1] + period - now
            return False
        cache.set(key, [now, *history], period)
        return True

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)

    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.wait() or 1)))


class TokenRateThrottle(SlidingWindowThrottle):
    """Each partner token has its own allowance, whatever address it calls from."""

    setting = "CNUM_API_RATE_PER_TOKEN"
    scope = "token"

    def identify(self, request) -> str | None:
        auth = getattr(request, "auth", None)
        return str(auth.pk) if isinstance(auth, ApiToken) else None


class AddressRateThrottle(SlidingWindowThrottle):
    """Calls without a token (public data, or a refused token) are counted per client address."""

    setting = "CNUM_API_RATE_PER_IP"
    scope = "ip"

    def identify(self, request) -> str | None:
        if getattr(request, "auth", None) is not None:
            return None
        return self.get_ident(request) or "inconnue"


token_throttle = TokenRateThrottle()
address_throttle = AddressRateThrottle()
