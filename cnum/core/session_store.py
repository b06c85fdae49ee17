"""Django's sessions in the database (`SESSION_ENGINE`), the session of each request read by a statement compiled
once (cnum.core.prepared): building and compiling the ORM's `get()` cost more than the read itself, at every page and
every recording (issue #20). The table, the keys, the expiry and the rest of the engine are Django's."""

import datetime

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from cnum.core.prepared import Prepared

_SESSION_DATA = Prepared(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list("session_data")[:1],
    key=str,
    now=datetime.datetime,
)


class SessionStore(db.SessionStore):
    def load(self):
        row = _SESSION_DATA.first(key=self.session_key, now=timezone.now()) if self.session_key else None
        if row is None:  # none, or ended: a new session will be made (as Django's `_get_session_from_db`)
            self._session_key = None
            return {}
        return self.decode(row[0])
