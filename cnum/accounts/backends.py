from cnum.accounts.perms import role_permissions


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
