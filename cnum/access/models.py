"""Invitations and access requests. Both name the scope as `stats --scope` does, with the object's own key
("structure:12", "departement:69", "national"): cnum.access.rules.role_scope reads it."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from cnum.access.enums import AccessRequestStatus
from cnum.accounts.enums import Role
from cnum.stats.scopes import Scope, ScopeError

#: An invitation link holds this long (issue #18).
INVITATION_VALIDITY = datetime.timedelta(days=7)


def token_hash(token: str) -> str:
    """Only the hash of a link's secret is stored: a copy of the database opens no invitation."""
    return hashlib.sha256(token.encode()).hexdigest()


def readable_scope(text: str) -> str:
    """ "Structure employeuse UDAF", "Département Rhône (69)"… for a scope as stored ("structure:12"); the text itself
    when it names nothing (a scope that no longer exists)."""
    try:
        return Scope.parse(text).label
    except ScopeError:
        return text


class ReadableScope:
    """For the models naming a scope as text: its label for pages and e-mails."""

    @property
    def scope_label(self) -> str:
        return readable_scope(self.scope)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor revoked (expired ones included: they can be resent)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def by_token(self, token: str):
        return self.filter(token_hash=token_hash(token)).first()


class Invitation(ReadableScope, models.Model):
    """An e-mail address invited to hold a role within a scope; the link it received is single-use."""

    email = models.EmailField("adresse électronique")
    role = models.CharField("rôle", max_length=40, choices=Role.choices)
    scope = models.CharField("périmètre", max_length=64)

    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invité par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    token_hash = models.CharField("empreinte du lien", max_length=64, unique=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le")
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    revoked_at = models.DateTimeField("annulée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-sent_at"]

    def __str__(self):
        return f"Invitation de {self.email} ({self.get_role_display()})"

    def new_token(self) -> str:
        """A fresh secret for the link: the previous link stops working. Returns the secret, stored hashed."""
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        self.token_hash = token_hash(token)
        self.sent_at = now
        self.expires_at = now + INVITATION_VALIDITY
        return token

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class AccessRequest(ReadableScope, models.Model):
    """An agent without the role asks for it; whoever may grant it accepts or refuses, with a reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandeur", on_delete=models.CASCADE, related_name="access_requests"
    )
    role = models.CharField("rôle demandé", max_length=40, choices=Role.choices)
    scope = models.CharField("périmètre", max_length=64)

    message = models.TextField("message", blank=True)
    status = models.CharField(
        "état", max_length=20, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="access_decisions",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "demande d'accès"
        verbose_name_plural = "demandes d'accès"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Demande d'accès n° {self.pk} ({self.get_role_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == AccessRequestStatus.PENDING
