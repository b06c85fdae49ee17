from django.conf import settings
from django.utils import timezone

from cnum.core import audit


class AuditActorMiddleware:
    """Attribute the changes made while serving a request to the signed-in person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with audit.acting_as(audit.actor_for_user(user)):
            return self.get_response(request)


#: Session key of the moment (epoch seconds) the session's expiry was last pushed back.
REFRESHED_KEY = "_cnum_refreshed"


class SessionRefreshMiddleware:
    """Sessions end after `SESSION_COOKIE_AGE` seconds without a request (the idle timeout), as Django's
    `SESSION_SAVE_EVERY_REQUEST` does, but the session is written at most once every
    `CNUM_SESSION_REFRESH_SECONDS` (60) rather than at every request: a recording then costs no session write.
    The idle timeout stays exact to within that interval (a session ends between `age - interval` and `age` seconds
    after its last request). Listed after SessionMiddleware, so that its save sees the change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        refreshed = session.get(REFRESHED_KEY, 0)
        if session.is_empty():  # a cookie of a session that ended: nothing to keep alive
            return response
        now = timezone.now().timestamp()
        if session.modified or now - refreshed >= settings.CNUM_SESSION_REFRESH_SECONDS:
            session[REFRESHED_KEY] = int(now)  # marks it modified: SessionMiddleware saves it, expiry pushed back
        return response
