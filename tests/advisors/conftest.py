import pytest

from tests.accounts.factories import RoleAssignmentFactory, UserFactory


@pytest.fixture
def user_with_role(db):
    """`user_with_role(Role.X, scope)`: a new user acting in that role."""

    def make(role, scope=None, **user_fields):
        user = UserFactory(**user_fields)
        RoleAssignmentFactory(user=user, role=role, scope=scope)
        return user

    return make
