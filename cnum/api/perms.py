"""Who may create, use and revoke partner API tokens."""

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from cnum.advisors.models import Advisor
from cnum.structures.models import Structure


def token_advisors(user) -> list[Advisor]:
    """An advisor (their account linked to the Advisor and holding the advisor role) may create tokens acting for
    themself."""
    advisor = getattr(user, "advisor", None) if user.is_authenticated else None
    if advisor is None or not any(a.role == Role.ADVISOR for a in user.role_assignments):
        return []
    return [advisor]


def token_structures(user):
    """A structure manager may create tokens acting for their structure(s)."""
    if not user.is_authenticated:
        return Structure.objects.none()
    scope_ids = user.roles.filter(role=Role.STRUCTURE_MANAGER).values_list("scope_id", flat=True)
    return Structure.objects.filter(pk__in=[int(pk) for pk in scope_ids if pk.isdigit()]).order_by("name")


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
