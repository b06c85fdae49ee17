"""Who is calling: the client's address behind the reverse proxies cnum trusts (CNUM_TRUSTED_PROXIES)."""

from django.conf import settings


def client_address(request) -> str | None:
    """The address of the caller: the connection's when no proxy is trusted; behind N trusted proxies, the N-th
    address from the right of X-Forwarded-For (each proxy appends the address it received from), so that a client
    cannot choose its address by sending the header itself. The API throttle counts the same way (django-ninja's
    NUM_PROXIES), and so must django-axes: behind a proxy, the connection's address is the proxy's, shared by all."""
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NINJA_NUM_PROXIES
    if not proxies or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
