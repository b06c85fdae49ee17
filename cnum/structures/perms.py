"""Who sees and changes which structures.

Territorial roles are resolved here. Roles whose scope lives in a higher layer (an advisor's own employers, a
coordinator's team) are registered by that layer with `register_scope_filter` — the registry never imports it.
"""

from collections.abc import Callable

from django.db.models import QuerySet

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as

ScopeFilter = Callable[[QuerySet, object], QuerySet]
_scope_filters: dict[str, ScopeFilter] = {}


def register_scope_filter(role: str, scope_filter: ScopeFilter) -> None:
    """Let a higher layer say which structures `role` sees: scope_filter(structures, role_assignment)."""
    _scope_filters[role] = scope_filter


def _is_programme_team(user) -> bool:
    return acting_as(user, Role.PROGRAMME_TEAM) is not None


def departement_codes_in_scope(assignment) -> set[str] | None:
    """Département codes a territorial role covers; None for the national scope; empty for others."""
    if assignment is None:
        return set()
    if assignment.role == Role.PROGRAMME_TEAM:
        return None
    scope = assignment.scope
    if scope is None:
        return set()
    if assignment.role == Role.PREFECTURE_DEPARTEMENT:
        return {scope.pk}
    if assignment.role == Role.PREFECTURE_REGION:
        return set(scope.departements.values_list("code", flat=True))
    if assignment.role == Role.HUB:
        return scope.departement_codes()
    return set()


def visible_structures(structures: QuerySet, user) -> QuerySet:
    """The structures the user's active role may see (DOMAIN.md "Roles (who sees what)")."""
    if not user.is_authenticated:
        return structures.none()
    assignment = user.active_role
    if assignment is None:
        return structures.none()
    role = assignment.role
    if role == Role.PROGRAMME_TEAM:
        return structures
    if role in (Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION, Role.HUB):
        return structures.filter(departement_id__in=departement_codes_in_scope(assignment))
    if role == Role.NATIONAL_NETWORK and assignment.scope_id:
        # A subquery rather than a join + distinct(), so that callers may still annotate counts.
        members = structures.model.networks.through.objects.filter(network_id=assignment.scope_id)
        return structures.filter(pk__in=members.values("structure_id"))
    if role == Role.STRUCTURE_MANAGER and assignment.scope_id:
        return structures.filter(pk=assignment.scope_id)
    if role in _scope_filters:
        return _scope_filters[role](structures, assignment)
    return structures.none()


def can_view_structure(user, structure) -> bool:
    return visible_structures(type(structure).objects.filter(pk=structure.pk), user).exists()


def can_edit_structure(user, structure) -> bool:
    """The programme team edits every structure; a structure manager edits their own."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return assignment.role == Role.STRUCTURE_MANAGER and str(assignment.scope_id) == str(structure.pk)


def can_edit_structure_identity(user, structure) -> bool:
    """Identity, type, zoning, hub, networks and statuses decide funding: only the programme team changes them.

    A structure manager keeps their address and contact up to date (can_edit_structure).
    """
    return _is_programme_team(user)


def can_create_structure(user) -> bool:
    return _is_programme_team(user)


def can_give_prefecture_opinion(user, amendment) -> bool:
    """The prefecture of the structure's département (or région) gives its opinion on a post amendment."""
    assignment = acting_as(user, Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION)
    if assignment is None:
        return False
    return amendment.structure.departement_id in departement_codes_in_scope(assignment)


def can_decide_amendment(user, amendment) -> bool:
    """The programme team decides nationally, after the prefecture's opinion (DOMAIN.md)."""
    return _is_programme_team(user)


def can_record_coselec_decision(user, structure) -> bool:
    """COSELEC decisions are recorded by the programme team, which runs the national committee."""
    return _is_programme_team(user)


def can_request_amendment(user, structure) -> bool:
    """A structure asks for more posts or gives some back: its manager, or the programme team on its behalf."""
    return can_edit_structure(user, structure)


def can_view_structure_history(user) -> bool:
    """The audit trail of a structure is shown to whoever reads the audit log (core.view_auditevent)."""
    return user.is_authenticated and user.has_perm("core.view_auditevent")


def can_import_registry(user) -> bool:
    """Bulk imports of structures and sites are for the programme team."""
    return can_create_structure(user)
