"""Django's session middleware, writing the session at most once a minute, and never on the pages a person reads
while a background task runs.

Sessions end after `SESSION_COOKIE_AGE` seconds without a request (the idle timeout). Django renews the expiry by
saving the session at every request (`SESSION_SAVE_EVERY_REQUEST`): a write per page, per recording (issue #20). Here
a request saves it only when `CNUM_SESSION_REFRESH_SECONDS` (60) have passed since the last save, or when the view
changed it: the idle timeout stays exact to within that interval (a session ends between `age - interval` and `age`
seconds after its last request).

On SQLite a save waits for the database's single write lock, which an import task holds until it ends
(docs/adr/0007-background-tasks.md): a task's page and the progress bar its page polls every 2 s would wait for the
whole import, then fail with "database is locked" after the connection's timeout. These views are marked
`not_renewed`: they save the session only when they changed it. Polling is not the person's activity, so it need not
renew the idle timeout either."""

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils import timezone
from django.utils.cache import patch_vary_headers

#: Session key of the moment (epoch seconds) the session's expiry was last pushed back.
REFRESHED_KEY = "_cnum_refreshed"


def signed_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: the session just made is saved with its expiry from now, so the first pages after the
    sign-in do not write it again."""
    if getattr(request, "session", None) is not None:
        request.session[REFRESHED_KEY] = int(timezone.now().timestamp())


def not_renewed(view):
    """Mark a view that only reads: its answer does not write the session (nor renew its idle timeout) unless the view
    changed it."""
    view.session_not_renewed = True
    return view


class SessionMiddleware(DjangoSessionMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        request.session_not_renewed = getattr(view_func, "session_not_renewed", False)

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if getattr(request, "session_not_renewed", False) and session is not None and not session.modified:
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        if session is not None and response.status_code < 500:
            _renew_when_due(session)
        return super().process_response(request, response)


def _renew_when_due(session) -> None:
    """Mark the session changed (so saved, its expiry pushed back) when the view changed it or the last save is
    older than the refresh interval; a session that ended (or none) is left alone."""
    if session.is_empty():  # no session, or the cookie of a session that ended: nothing to keep alive
        return
    refreshed = session.get(REFRESHED_KEY, 0)
    now = timezone.now().timestamp()
    if session.modified or now - refreshed >= settings.CNUM_SESSION_REFRESH_SECONDS:
        session[REFRESHED_KEY] = int(now)
