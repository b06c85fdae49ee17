"""Rate limits of the API (django-ninja throttles): per token for partners, per address without a token.

The rates come from settings (CNUM_API_RATE_PER_TOKEN, CNUM_API_RATE_PER_IP, "120/min"), read at each request.
The window (fixed, counted in the database: one upsert per request) and the client's address are
cnum.core.ratelimit's; Retry-After says when the window ends.
"""

import math
import threading

from django.conf import settings
from ninja.throttling import BaseThrottle

from cnum.api.models import ApiToken
from cnum.core import ratelimit
from cnum.core.ratelimit import parse_rate

__all__ = ["parse_rate", "address_throttle", "token_throttle"]


class WindowThrottle(BaseThrottle):
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
        self._local.wait = ratelimit.count(f"cnum-api-rate:{self.scope}:{ident}", getattr(settings, self.setting))
        return self._local.wait is None

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)

    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.wait() or 1)))


class TokenRateThrottle(WindowThrottle):
    """Each partner token has its own allowance, whatever address it calls from."""

    setting = "CNUM_API_RATE_PER_TOKEN"
    scope = "token"

    def identify(self, request) -> str | None:
        auth = getattr(request, "auth", None)
        return str(auth.pk) if isinstance(auth, ApiToken) else None


class AddressRateThrottle(WindowThrottle):
    """Calls without a token (public data, or a refused token) are counted per client address."""

    setting = "CNUM_API_RATE_PER_IP"
    scope = "ip"

    def identify(self, request) -> str | None:
        if getattr(request, "auth", None) is not None:
            return None
        return ratelimit.client_address(request)


token_throttle = TokenRateThrottle()
address_throttle = AddressRateThrottle()
