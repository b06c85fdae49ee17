import pytest

from cnum.funding.reference_data import funding_reference_load


@pytest.fixture
def reference(db):
    """Budget lines and grant schemes from the versioned files."""
    return funding_reference_load()
