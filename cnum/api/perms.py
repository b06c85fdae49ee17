"""Who may create, use and revoke partner API tokens."""

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from cnum.accounts.perms import acting_as
from cnum.advisors.models import Advisor
from cnum.structures.models import Structure


def token_advisors(user) -> list[Advisor]:
    """An advisor acting as such (their account linked to the Advisor) may create tokens acting for themself."""
    advisor = getattr(user, "advisor", None) if acting_as(user, Role.ADVISOR) else None
    return [advisor] if advisor is not None else []


def token_structures(user):
    """A structure manager acting as such may create tokens acting for the structure of that role."""
    assignment = acting_as(user, Role.STRUCTURE_MANAGER)
    if assignment is None or not str(assignment.scope_id).isdigit():
        return Structure.objects.none()
    return Structure.objects.filter(pk=int(assignment.scope_id))


def can_create_tokens(user) -> bool:
    return bool(token_advisors(user)) or token_structures(user).exists()


def can_revoke_token(user, token) -> bool:
    """The owner revokes their tokens; so does whoever may still create tokens for the same scope."""
    if token.owner_id == user.pk:
        return True
    if token.advisor_id:
        return any(a.pk == token.advisor_id for a in token_advisors(user))
    return token_structures(user).filter(pk=token.structure_id).exists()


def token_assignment(token) -> RoleAssignment | None:
    """The owner's role the token acts under, or None once the owner may no longer create it: the same rules as
    creation (token_advisors, token_structures), checked at every request. An advisor token needs its advisor's
    own active account, in the advisor role; a structure token, an active structure manager of that structure."""
    owner = token.owner
    if not owner.is_active:
        return None
    if token.advisor_id:
        if token.advisor.user_id != owner.pk:
            return None
        return next((a for a in owner.role_assignments if a.role == Role.ADVISOR), None)
    scope_id = str(token.structure_id)
    return next(
        (a for a in owner.role_assignments if a.role == Role.STRUCTURE_MANAGER and a.scope_id == scope_id), None
    )
