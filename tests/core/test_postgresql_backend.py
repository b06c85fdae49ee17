"""cnum's PostgreSQL backend: a persistent connection checked without a round trip while the server is silent,
and a connection the server closed found unusable, closed and opened again (cnum/core/postgresql/base.py)."""

import select
import time

import pytest
from django.db import connections
from django.db.backends.postgresql import base as django_postgresql
from django.db.utils import load_backend

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def persistent():
    """A second connection to the test database, with health checks, outside any test transaction."""
    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert default.settings_dict["ENGINE"] == "cnum.core.postgresql"
    wrapper = load_backend(default.settings_dict["ENGINE"]).DatabaseWrapper(
        {**default.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": 60}, "persistent"
    )
    yield wrapper
    wrapper.close()


@pytest.fixture
def round_trips(monkeypatch):
    """How many times Django's own check (`SELECT 1`) ran."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def _backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _next_request(wrapper) -> None:
    """What Django does at a request's start, then its first query: the health check is due again."""
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()


def test_a_silent_connection_is_used_without_a_round_trip(persistent, round_trips):
    pid = _backend_pid(persistent)
    for _ in range(3):
        _next_request(persistent)
        assert _backend_pid(persistent) == pid  # the same connection, kept
    assert round_trips == []


def test_a_connection_the_server_closed_is_replaced(persistent, round_trips):
    pid = _backend_pid(persistent)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    fileno = persistent.connection.fileno()
    deadline = time.monotonic() + 10
    while not select.select([fileno], [], [], 0.1)[0] and time.monotonic() < deadline:
        pass
    assert not persistent.is_usable()
    assert round_trips == ["persistent"]  # the socket spoke: Django's check decided
    _next_request(persistent)
    assert persistent.connection is None  # closed by the health check, not left to fail a query
    assert _backend_pid(persistent) != pid
