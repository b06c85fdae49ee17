"""Who may create and revoke partner API tokens."""

from cnum.accounts.enums import Role
from cnum.advisors.models import Advisor
from cnum.structures.models import Structure


def token_advisors(user) -> list[Advisor]:
    """An advisor may create tokens acting for themself."""
    advisor = getattr(user, "advisor", None) if user.is_authenticated else None
    return [advisor] if advisor is not None else []


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
