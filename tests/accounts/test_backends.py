"""The session's user read by a statement compiled once (cnum.accounts.backends.read_user): the user Django's `get()`
gives, with their role assignments in the same statement, refused when Django would refuse them, and no query
compiled by the ORM at a signed-in request."""

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cnum.accounts.backends import ModelBackend, read_user
from cnum.accounts.enums import Role
from cnum.accounts.models import User
from cnum.accounts.oidc import ProConnectBackend
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db


def _columns(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_user_read_is_the_orms_user():
    user = UserFactory(first_name="Zoé", proconnect_sub="abc", is_staff=True)
    found = read_user(str(user.pk))
    assert _columns(found) == _columns(User.objects.get(pk=user.pk))
    assert found._state.adding is False and found._state.db == "default"
    assert read_user(user.pk + 1000) is None
    assert read_user("pas-un-nombre") is None


def test_an_inactive_user_is_refused_by_the_password_backend_not_by_proconnects():
    user = UserFactory(is_active=False)
    assert ModelBackend().get_user(user.pk) is None
    assert ProConnectBackend().get_user(user.pk).pk == user.pk  # as mozilla-django-oidc's own get_user
    user.is_active = True
    user.save()
    assert ModelBackend().get_user(user.pk).pk == user.pk


def test_a_signed_in_request_compiles_no_query_of_the_orm(client, monkeypatch):
    user = UserFactory()
    client.force_login(user)
    compiled = []
    original = SQLCompiler.as_sql

    def spy(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    page = reverse("accounts:profile")
    client.get(page)  # the user's read compiled, once for the process
    monkeypatch.setattr(SQLCompiler, "as_sql", spy)
    response = client.get(page)
    assert response.status_code == 200 and response.wsgi_request.user.pk == user.pk
    assert User not in compiled
    assert User.objects.filter(pk=user.pk).exists() and User in compiled  # the spy sees the ORM's reads


def _roles(user) -> list[tuple]:
    return [
        (a.pk, a.role, a.scope_type_id, a.scope_id, a.scope_type and a.scope_type.model) for a in user.role_assignments
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_user_comes_with_their_roles_read_in_the_same_statement(count):
    user = UserFactory()
    for role, scope in [(Role.PROGRAMME_TEAM, None), (Role.PREFECTURE_DEPARTEMENT, "69"), (Role.ADVISOR, None)][
        :count
    ]:
        if scope:
            RoleAssignmentFactory(user=user, role=role, scope=DepartementFactory(code=scope))
        else:
            RoleAssignmentFactory(user=user, role=role)
    read_user(user.pk)  # compiled once
    with CaptureQueriesContext(connection) as queries:
        found = read_user(user.pk)
        roles = _roles(found)
    assert len(queries.captured_queries) == 1
    assert roles == _roles(User.objects.get(pk=user.pk))
    assert len(found.role_assignments) == count
    assert _columns(found) == _columns(User.objects.get(pk=user.pk))
