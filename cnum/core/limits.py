"""Request-body limits, enforced before any view, form or CSRF check reads the body (issue #15, finding 12).

Django parses a multipart body (spooling files to disk) as soon as anything reads `request.POST` — the CSRF check
does, for every POST — so without a limit an anonymous caller could make the server write gigabytes before being
refused. Anonymous calls (sign-in, password reset, the partner API, whose token is checked later) carry small bodies;
uploads (imports) come from signed-in users only.
"""

from django.conf import settings
from django.http import HttpResponse


def _too_large(limit: int) -> HttpResponse:
    megabytes = limit / (1024 * 1024)
    size = f"{megabytes:.0f} Mo" if megabytes >= 1 else f"{limit // 1024} Ko"
    return HttpResponse(
        f"Requête trop volumineuse : {size} au plus.", status=413, content_type="text/plain; charset=utf-8"
    )


class RequestBodyLimitMiddleware:
    """413 when the declared body exceeds the caller's limit: CNUM_MAX_ANONYMOUS_BODY_KB without a signed-in session,
    CNUM_MAX_UPLOAD_MB with one. Placed after the authentication middleware, before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("En-tête Content-Length invalide.", status=400, content_type="text/plain")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limit = settings.CNUM_MAX_UPLOAD_MB * 1024 * 1024
        else:
            limit = settings.CNUM_MAX_ANONYMOUS_BODY_KB * 1024
        if length > limit:
            return _too_large(limit)
        return self.get_response(request)
