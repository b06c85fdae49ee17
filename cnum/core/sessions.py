"""Django's session middleware, except on the pages a person reads while a background task runs.

The session is saved on every request (SESSION_SAVE_EVERY_REQUEST: the idle timeout starts again at each page). On
SQLite that save waits for the database's single write lock, which an import task holds until it ends
(docs/adr/0007-background-tasks.md): a task's page and the progress bar its page polls every 2 s would wait for the
whole import, then fail with "database is locked" after the connection's timeout. These views are marked
`not_renewed`: they save the session only when they changed it. Polling is not the person's activity, so it need not
renew the idle timeout either."""

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers


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
        return super().process_response(request, response)
