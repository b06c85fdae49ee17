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
            "core.run_commands",  # « Lancer une tâche »: statistics, open data, reminders (cnum.core.views_jobs)
            "sites.review_duplicates",
            "accounts.view_user",
            "accounts.view_roleassignment",
            "funding.view_budgetline",
            "funding.view_convention",
            "funding.view_simulationscenario",
            "funding.add_simulationscenario",
            "funding.view_campaign",
            "funding.add_campaign",
        }
    ),
    # Prefectures read the conventions and the campaign answers of their territory (cnum.funding.perms).
    Role.PREFECTURE_DEPARTEMENT: frozenset({"funding.view_convention", "funding.view_campaign"}),
    Role.PREFECTURE_REGION: frozenset({"funding.view_convention", "funding.view_campaign"}),
    # A structure manager answers the renewal campaigns concerning their structure, and reads its own conventions,
    # their schedules and payments (Convention.objects.visible_to: the structure of the role).
    Role.STRUCTURE_MANAGER: frozenset({"funding.add_campaignresponse", "funding.view_convention"}),
}

#: Every permission some role grants: answered from the active role alone (accounts.models.User.has_perm).
ROLE_BOUND_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())

#: Roles that see a whole territory or the whole country: their accounts need a second factor (issue #8 "Trust").
SECOND_FACTOR_ROLES = frozenset({Role.PROGRAMME_TEAM, Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION})


def acting_as(user, *roles):
    """The role assignment the user acts in now (the header's choice, or their widest role) when it is one of
    `roles`, or any role when none is named; None for an anonymous user or another role. Rights follow the role one
    acts in, never the other roles the user holds (docs/adr/0003-roles-and-scopes.md)."""
    assignment = user.active_role if user.is_authenticated else None
    if assignment is None or (roles and assignment.role not in roles):
        return None
    return assignment


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


def needs_second_factor(user) -> bool:
    """Technical staff and superusers (they reach Django's admin: every account and role), and any user one of whose
    roles (not only the active one: switching is one click) is programme team or prefecture."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or any(a.role in SECOND_FACTOR_ROLES for a in user.role_assignments)
