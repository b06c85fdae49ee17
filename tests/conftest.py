import pytest
from django.core.management.commands import flush

from cnum.core.audit import audit_maintenance


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
