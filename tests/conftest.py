import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.commands import flush
from hypothesis import settings as hypothesis_settings

from cnum.core.audit import audit_maintenance
from cnum.stats import pending
from cnum.territories import lookup
from cnum.territories.lookup import reset_index
from cnum.territories.models import Commune

# Property tests judge results, never timings (STYLE: speed belongs to `make bench`): no per-example deadline, which a
# loaded 2-core CI machine would otherwise break at random.
hypothesis_settings.register_profile("cnum", deadline=None)
hypothesis_settings.load_profile("cnum")


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_audit_log():
    """Transactional tests end with a flush; the append-only audit table accepts it only in maintenance mode."""
    original = flush.Command.handle

    def handle(self, **options):
        with audit_maintenance(options.get("database")):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the database rolls back between tests, the versions of the figures
    (cnum.stats.versions) with it, and a dashboard cached by an earlier test must not answer a later one."""
    cache.clear()


@pytest.fixture(autouse=True)
def _drains_read_the_scopes_again():
    """The drains keep the structures' scopes under the registry's version (cnum.stats.pending), which rolls back
    with the database between tests while the ids are given again to other rows."""
    pending.forget_scopes()


@pytest.fixture(scope="session")
def cog_first_load(django_db_setup, django_db_blocker) -> str:
    """Load the real COG 2026 once per test session, outside the tests' transactions; return the command's output.

    Every test rolls back to this state, so the 37,590 communes are written once, not once per test.
    """
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("load_territories", stdout=out)
    reset_index()
    return out.getvalue()


@pytest.fixture
def cog(cog_first_load, db):
    """The real COG in the test database, loaded again if a transactional test has emptied the tables since."""
    if not Commune.objects.exists():
        call_command("load_territories", verbosity=0, stdout=io.StringIO())
        reset_index()
    return cog_first_load


@pytest.fixture(autouse=True)
def _index_of_this_test(request):
    """A lookup index built during a test without the real COG holds the communes its factories wrote inside the
    test's transaction: dropped at its end. On PostgreSQL the next test's communes get other keys (sequences do not
    roll back), and an index kept from the test before would answer with keys that no longer exist."""
    before = lookup._index
    yield
    if lookup._index is not before and "cog" not in request.fixturenames:
        reset_index()


@pytest.fixture
def fresh_index():
    """For tests that change communes: the lookup index sees their changes, and forgets them afterwards."""
    reset_index()
    yield
    reset_index()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, end the sessions the live server's request threads may still hold (a browser keeps its
    connection alive) so that the test database can be dropped at the end of the run."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def pytest_terminal_summary(terminalreporter):
    """Say loudly, at the end of the report, that the browser tests did not run and how to get them to."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "Chromium" in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_sep("*", "TESTS DANS LE NAVIGATEUR SAUTÉS", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} test(s) sauté(s) : Chromium est absent de /usr/bin/chromium. "
            "Pour les lancer : sudo apt-get install chromium",
            red=True,
            bold=True,
        )
