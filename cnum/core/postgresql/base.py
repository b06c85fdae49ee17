"""Django's PostgreSQL backend, its health check without a round trip (issue #20).

With `CONN_HEALTH_CHECKS`, Django checks a persistent connection at each request's first query by sending
`SELECT 1`: a round trip (≈ 0.13 ms of the two cores on loopback) before every request's work, whatever it is. A
server that closed the connection (a restart, `pg_terminate_backend`, an idle timeout) has sent its last message
and its end of stream: the socket is readable. So the connection is taken as usable when psycopg has not seen it
broken and nothing waits on its socket; when something does, Django's own check (`SELECT 1`) decides, reading it.
A connection lost without a word (a cable cut) is not seen by either check before its first query fails; Django
then closes it at the end of the request, as before.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        # poll(), not select(): a gunicorn worker may hold more than 1,024 descriptors, beyond what select() takes.
        poller = select.poll()
        try:
            poller.register(connection.fileno(), select.POLLIN)
            pending = poller.poll(0)
        except OSError:
            pending = True  # the socket cannot be looked at: Django's own check decides
        return not pending or super().is_usable()
