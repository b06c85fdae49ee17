"""Bearer-token authentication of the partner API (tokens: cnum.api.models.ApiToken)."""

import hmac

from django.utils import timezone
from ninja.security import HttpBearer

from cnum.api.models import ApiToken, hash_secret


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>`: found by the secret's hash, refused once revoked."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        digest = hash_secret(token)
        found = ApiToken.objects.select_related("advisor", "structure").filter(secret_hash=digest).first()
        # The lookup goes through an index; compare again in constant time so timing says nothing of the hash.
        if found is None or not hmac.compare_digest(found.secret_hash, digest) or found.is_revoked:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        request.api_token = found
        return found
