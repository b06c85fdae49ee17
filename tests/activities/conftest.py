import pytest

from tests.advisors.factories import ContractFactory, SiteAssignmentFactory


@pytest.fixture
def advisor(db):
    """An advisor who signs in, employed today and assigned to a site."""
    contract = ContractFactory(advisor__with_account=True)
    SiteAssignmentFactory(advisor=contract.advisor)
    return contract.advisor


@pytest.fixture
def advisor_client(client, advisor):
    client.force_login(advisor.user)
    return client
