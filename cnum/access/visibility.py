"""What /comptes/ and `users --scope` list: the accounts, invitations and access requests of the caller's scope.

A scope-reading role sees the accounts holding a role within what it sees in the registry (the managers of its
structures, the coordinators of their teams, the advisors they employ) and its colleagues (same role, same scope);
the programme team sees every account.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from cnum.access import rules
from cnum.access.models import AccessRequest, Invitation
from cnum.accounts.enums import Role
from cnum.advisors.models import Advisor, Team
from cnum.structures.models import Structure


def _is_programme(user) -> bool:
    return user.active_role is not None and user.active_role.role == Role.PROGRAMME_TEAM


def _keys(queryset) -> QuerySet:
    return queryset.annotate(key=Cast("pk", CharField())).values("key")


def _scoped(role: str, objects) -> Q:
    scope_type = ContentType.objects.get_for_model(objects.model)
    return Q(roles__role=role, roles__scope_type=scope_type, roles__scope_id__in=_keys(objects))


def visible_accounts(user) -> QuerySet:
    """Accounts of the caller's scope (module docstring); none for a role that does not read accounts."""
    users = get_user_model().objects.all()
    if not rules.can_view_accounts(user):
        return users.none()
    if _is_programme(user):
        return users
    assignment = user.active_role
    colleagues = Q(roles__role=assignment.role, roles__scope_type=assignment.scope_type_id)
    colleagues &= Q(roles__scope_id=assignment.scope_id)
    structures = Structure.objects.visible_to(user)
    seen = (
        colleagues
        | _scoped(Role.STRUCTURE_MANAGER, structures)
        | _scoped(Role.COORDINATOR, Team.objects.visible_to(user))
        | Q(advisor__in=Advisor.objects.visible_to(user))
    )
    return users.filter(pk__in=users.filter(seen).values("pk"))


def _scope_texts(kind: str, objects) -> QuerySet:
    return objects.annotate(text=Concat(Value(f"{kind}:"), Cast("pk", CharField()))).values("text")


def visible_invitations(user) -> QuerySet:
    """Invitations within the caller's scope: its own scope, and the structures it sees."""
    invitations = Invitation.objects.all()
    if not rules.can_view_accounts(user):
        return invitations.none()
    if _is_programme(user):
        return invitations
    own = str(rules.own_scope(user.active_role))
    structures = _scope_texts("structure", Structure.objects.visible_to(user))
    return invitations.filter(Q(scope=own) | Q(scope__in=structures))


def decidable_requests(user) -> QuerySet:
    """Access requests the caller may grant: a structure manager's for its structure, all for the programme team."""
    requests = AccessRequest.objects.select_related("user")
    grantable = rules.grantable_roles(user)
    if not grantable:
        return requests.none()
    if _is_programme(user):
        return requests
    return requests.filter(role__in=grantable, scope=str(rules.own_scope(user.active_role)))
