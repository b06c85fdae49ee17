"""Who may grant which role, written as data (issue #18, shown in docs/access-matrix.md), and the predicates the
views and commands call.

A role is always granted within a scope, named as `stats --scope` names it (cnum.stats.scopes.Scope): the
programme team grants every role anywhere; a structure manager invites co-managers of its structure and the
advisors it employs; a hub and a national network their own members; a prefecture sees the accounts of its
territory but grants nothing; a coordinator requests team members instead (cnum.advisors, TeamMembership).
"""

import dataclasses
import datetime

from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.accounts.models import ROLE_ORDER, RoleAssignment
from cnum.accounts.perms import acting_as
from cnum.advisors.models import Advisor, Contract
from cnum.stats.scopes import Scope, ScopeError, ScopeKind

#: The kind of scope each role is granted within. An advisor's role has no scope of its own (it follows the
#: advisor's contracts): it is granted within the structure that employs them.
ROLE_SCOPE_KINDS: dict[str, str] = {
    Role.ADVISOR: ScopeKind.STRUCTURE,
    Role.COORDINATOR: ScopeKind.TEAM,
    Role.STRUCTURE_MANAGER: ScopeKind.STRUCTURE,
    Role.PREFECTURE_DEPARTEMENT: ScopeKind.DEPARTEMENT,
    Role.PREFECTURE_REGION: ScopeKind.REGION,
    Role.HUB: ScopeKind.HUB,
    Role.NATIONAL_NETWORK: ScopeKind.NETWORK,
    Role.PROGRAMME_TEAM: ScopeKind.NATIONAL,
}

ANYWHERE = "anywhere"
OWN_SCOPE = "own_scope"


@dataclasses.dataclass(frozen=True)
class Grant:
    """The granter may give `role`, anywhere or only within the granter's own scope."""

    role: str
    within: str = OWN_SCOPE


GRANTS: dict[str, tuple[Grant, ...]] = {
    Role.PROGRAMME_TEAM: tuple(Grant(role, ANYWHERE) for role in ROLE_ORDER),
    Role.STRUCTURE_MANAGER: (Grant(Role.STRUCTURE_MANAGER), Grant(Role.ADVISOR)),
    Role.HUB: (Grant(Role.HUB),),
    Role.NATIONAL_NETWORK: (Grant(Role.NATIONAL_NETWORK),),
    Role.PREFECTURE_DEPARTEMENT: (),
    Role.PREFECTURE_REGION: (),
    Role.COORDINATOR: (),
    Role.ADVISOR: (),
}

#: Roles that open /comptes/: the accounts of their scope (a prefecture reads them without granting anything).
ACCOUNT_READERS = frozenset(
    {
        Role.PROGRAMME_TEAM,
        Role.PREFECTURE_DEPARTEMENT,
        Role.PREFECTURE_REGION,
        Role.STRUCTURE_MANAGER,
        Role.HUB,
        Role.NATIONAL_NETWORK,
    }
)

#: An advisor keeps the role this many days after their last contract ends, to finish recording activities.
ADVISOR_ROLE_GRACE_DAYS = 30

#: Roles an agent may ask for on the access request page.
REQUESTABLE_ROLES = (Role.ADVISOR, Role.STRUCTURE_MANAGER, Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION)


def _active(user) -> RoleAssignment | None:
    return acting_as(user)


def grantable_roles(user) -> list[str]:
    """The roles the user's active role may grant, widest first."""
    assignment = _active(user)
    if assignment is None:
        return []
    return [grant.role for grant in GRANTS.get(assignment.role, ())]


def own_scope(assignment) -> Scope:
    """The granter's scope, as `stats --scope` writes it."""
    kind = ROLE_SCOPE_KINDS[assignment.role]
    return Scope(ScopeKind.NATIONAL) if kind == ScopeKind.NATIONAL else Scope(kind, str(assignment.scope_id))


def role_scope(role: str, text: str) -> tuple[Scope, object]:
    """Read the scope a role is granted within and find its object; ScopeError says what is wrong, in French."""
    scope = Scope.parse(text)
    expected = ROLE_SCOPE_KINDS[role]
    if scope.kind != expected:
        raise ScopeError(f"Ce rôle s'attribue sur un périmètre « {expected} », pas « {scope.kind} ».")
    scope.check_exists()
    return scope, scope.object()


def can_grant(user, role: str, scope_object) -> bool:
    """The user's active role may grant `role` within `scope_object` (None: national). Never a role the granter's
    data does not list, never beyond the granter's own scope."""
    assignment = _active(user)
    if assignment is None:
        return False
    for grant in GRANTS.get(assignment.role, ()):
        if grant.role != role:
            continue
        if grant.within == ANYWHERE:
            return True
        return (
            scope_object is not None
            and str(scope_object.pk) == str(assignment.scope_id)
            and _same_kind(assignment, scope_object)
        )
    return False


def _same_kind(assignment, scope_object) -> bool:
    return assignment.scope_type_id is not None and assignment.scope_type.model_class() is type(scope_object)


def can_view_accounts(user) -> bool:
    assignment = _active(user)
    return assignment is not None and assignment.role in ACCOUNT_READERS


def can_remove_role(user, assignment) -> bool:
    """Whoever could grant a role may take it back; nobody removes their own roles here."""
    if assignment.user_id == user.pk:
        return False
    if assignment.role == Role.ADVISOR:
        since = timezone.localdate() - datetime.timedelta(days=ADVISOR_ROLE_GRACE_DAYS)
        employers = Contract.objects.filter(advisor__user_id=assignment.user_id).exclude(end__lt=since)
        structures = {contract.structure for contract in employers.select_related("structure")} or {None}
        return any(can_grant(user, Role.ADVISOR, structure) for structure in structures)
    scope_object = assignment.scope if assignment.scope_id else None
    return can_grant(user, assignment.role, scope_object)


def can_deactivate(user, account) -> bool:
    """The programme team deactivates any account but technical staff's; another granter an account all of whose
    roles it could remove. Nobody deactivates themself."""
    if not user.is_authenticated or account.pk == user.pk or account.is_staff or account.is_superuser:
        return False
    assignments = list(account.roles.select_related("scope_type"))
    if _active(user) is not None and _active(user).role == Role.PROGRAMME_TEAM:
        return True
    return bool(assignments) and all(can_remove_role(user, assignment) for assignment in assignments)


def advisor_for(email: str) -> Advisor | None:
    return Advisor.objects.filter(email__iexact=email.strip()).first()


def advisor_entitled(advisor, on: datetime.date | None = None) -> bool:
    """An advisor holds the role from the start of a contract to its end plus the grace period (issue #18: "it
    starts with the contract and ends with it, after a grace period to finish recording")."""
    on = on or timezone.localdate()
    grace_start = on - datetime.timedelta(days=ADVISOR_ROLE_GRACE_DAYS)
    contracts = Contract.objects.filter(advisor=advisor, start__lte=on)
    return contracts.filter(end__isnull=True).exists() or contracts.filter(end__gte=grace_start).exists()
