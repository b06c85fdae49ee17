"""Authentication backends: Django's password backend and ProConnect's, whose user read at each request is compiled
once; the role backend that answers permissions."""

import functools

from django.contrib.auth import backends, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from cnum.accounts.models import RoleAssignment, assignments_of
from cnum.accounts.perms import role_permissions
from cnum.core.prepared import Prepared, columns, instance


@functools.cache
def _user_read() -> Prepared:
    """The user of a key and their role assignments with their scopes' types: one row each (one row of NULLs for a
    user without a role)."""
    model = get_user_model()
    fields = columns(model)
    roles = (*columns(RoleAssignment, "roles__"), *columns(ContentType, "roles__scope_type__"))
    return Prepared(lambda pk: model._default_manager.filter(pk=pk).order_by().values_list(*fields, *roles), pk=int)


def read_user(user_id):
    """The user of this id, or None, as `User.objects.get(pk=…)` gives it, with their role assignments
    (`User.role_assignments`), by a statement compiled once: the session's user and their roles are read at every
    request, and building and compiling the ORM's `get()` cost more than the read (issue #20)."""
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:  # a session of another kind of key: no such user
        return None
    rows = _user_read().rows(pk=pk)
    if not rows:
        return None
    user = instance(model, rows[0])
    user.__dict__["role_assignments"] = assignments_of(rows, len(model._meta.concrete_fields))
    return user


class ModelBackend(backends.ModelBackend):
    """Django's password backend; the user of a session read by `read_user`."""

    def get_user(self, user_id):
        user = read_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class RoleBackend:
    """Answers `user.has_perm()` from the user's active role (see accounts.perms.ROLE_PERMISSIONS)."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(role_permissions(user_obj.active_role))

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj)


def login_attempt_username(request, credentials) -> str:
    """The e-mail an attempt is counted against, case-insensitively, so "A@x.fr" and "a@x.fr" share a counter."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return value.strip().lower()
