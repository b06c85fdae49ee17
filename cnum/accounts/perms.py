"""Who may do what. Views call these predicates; they never test roles by hand.

Model-level permissions are granted by role (ROLE_PERMISSIONS, answered by accounts.backends.RoleBackend) and
always for the role the user is acting in now, so switching role really changes what the user sees.
"""

from cnum.accounts.enums import Role

#: Django permissions ("app_label.codename") each role holds while active.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PROGRAMME_TEAM: frozenset(
        {
            "core.view_auditevent",
            "core.import_files",
            "sites.review_duplicates",
            "accounts.view_user",
            "accounts.view_roleassignment",
            "funding.view_budgetline",
            "funding.view_convention",
            "funding.view_simulationscenario",
            "funding.add_simulationscenario",
        }
    ),
    # Prefectures read the conventions of their territory (cnum.funding.perms).
    Role.PREFECTURE_DEPARTEMENT: frozenset({"funding.view_convention"}),
    Role.PREFECTURE_REGION: frozenset({"funding.view_convention"}),
}


def role_permissions(assignment) -> frozenset[str]:
    if assignment is None:
        return frozenset()
    return ROLE_PERMISSIONS.get(assignment.role, frozenset())


def can_view_audit_log(user) -> bool:
    """The programme team reads the audit trail (STYLE: the audit log is for the national team)."""
    return user.is_authenticated and user.has_perm("core.view_auditevent")


def can_switch_to(user, assignment) -> bool:
    """A user may act in any of their own roles, and only those."""
    return user.is_authenticated and assignment is not None and assignment.user_id == user.pk


def can_view_user_list(user) -> bool:
    return user.is_authenticated and user.has_perm("accounts.view_user")
