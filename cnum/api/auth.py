"""Bearer-token authentication of the partner API (tokens: cnum.api.models.ApiToken)."""

import hmac

from django.utils import timezone
from ninja.security import HttpBearer

from cnum.api.models import ApiToken, hash_secret
from cnum.api.perms import token_assignment


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>`: found by the secret's hash, refused once revoked, and refused while its
    owner is deactivated or no longer holds the role it was created under (cnum.api.perms.token_assignment)."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        digest = hash_secret(token)
        found = ApiToken.objects.select_related("owner", "advisor", "structure").filter(secret_hash=digest).first()
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
