"""Bearer-token authentication of the partner API (tokens: cnum.api.models.ApiToken)."""

import functools
import hmac

from django.utils import timezone
from ninja.security import HttpBearer

from cnum.accounts.models import User
from cnum.advisors.models import Advisor
from cnum.api.models import ApiToken, hash_secret
from cnum.api.perms import token_assignment
from cnum.core import audit, prepared

_COLUMNS = (prepared.columns(ApiToken), prepared.columns(User, "owner__"), prepared.columns(Advisor, "advisor__"))
#: The token of a secret's hash, with its owner and its advisor (select_related's row, compiled once: issue #20).
_TOKEN = prepared.Prepared(
    lambda digest: (
        ApiToken.objects.filter(secret_hash=digest)
        .order_by()
        .values_list(*_COLUMNS[0], *_COLUMNS[1], *_COLUMNS[2])[:1]
    ),
    digest=str,
)


def _token(digest: str) -> ApiToken | None:
    row = _TOKEN.first(digest=digest)
    if row is None:
        return None
    found = prepared.instance(ApiToken, row)
    found.owner = prepared.instance(User, row, len(_COLUMNS[0]))
    found.advisor = prepared.instance(Advisor, row, len(_COLUMNS[0]) + len(_COLUMNS[1]))
    return found


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>`: found by the secret's hash, refused once revoked, and refused while its
    owner is deactivated or no longer holds the role it was created under (cnum.api.perms.token_assignment)."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        digest = hash_secret(token)
        found = _token(digest)
        # The lookup goes through an index; compare again in constant time so timing says nothing of the hash.
        if found is None or not hmac.compare_digest(found.secret_hash, digest) or found.is_revoked:
            return None
        assignment = token_assignment(found)
        if assignment is None:
            return None
        # The owner acts in that role, so that the web's predicates (cnum.activities.perms) judge the token's writes.
        found.owner.activate_role(assignment)
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        request.api_token = found
        return found


def token_actor(token: ApiToken) -> audit.Actor:
    """The audit trail's author of a token's writes: its owner, answerable for it, and the token, named."""
    label = f"{token.owner.get_username()} (jeton d'API « {token.name} », {token.prefix}…, n° {token.pk})"
    return audit.Actor(label=label, user_id=token.owner_id)


def acting_as_token(view):
    """Attribute what an operation changes to its token (AuditActorMiddleware knows signed-in people only).
    For `Router.add_decorator`: it runs once the token is authenticated."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with audit.acting_as(token_actor(request.auth)):
            return view(request, *args, **kwargs)

    return wrapper
