"""Partner API tokens. A token acts for one advisor, or for one structure and its advisors.

Only the SHA-256 hash of the secret is stored: the secret is shown once, when the token is created, and a lost
secret means a new token. The prefix (the secret's first characters) lets people tell their tokens apart.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cnum.advisors.models import Advisor
from cnum.structures.models import Structure

TOKEN_PREFIX = "cnum_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def owned_by(self, user):
        return self.filter(owner=user)


class ApiToken(models.Model):
    name = models.CharField("nom", max_length=100, help_text="Pour vous y retrouver : l'outil qui s'en sert.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créé par", on_delete=models.CASCADE, related_name="api_tokens"
    )
    advisor = models.ForeignKey(
        Advisor, verbose_name="conseiller", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name="structure",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    prefix = models.CharField("début du jeton", max_length=PREFIX_LENGTH, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(advisor__isnull=False, structure__isnull=True)
                | Q(advisor__isnull=True, structure__isnull=False),
                name="api_token_one_scope",
                violation_error_message="Un jeton agit pour un conseiller ou pour une structure, pas les deux.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, owner, advisor=None, structure=None) -> tuple["ApiToken", str]:
        """Create a token; return it with its secret, which is not stored and cannot be shown again."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            name=name,
            owner=owner,
            advisor=advisor,
            structure=structure,
            prefix=secret[:PREFIX_LENGTH],
            secret_hash=hash_secret(secret),
        )
        return token, secret

    @property
    def scope(self) -> Advisor | Structure:
        return self.advisor if self.advisor_id else self.structure

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
