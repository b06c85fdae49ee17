"""Tokens do not outlive their owner's rights: they are revoked when the owner is deactivated (by an
administrator, the retention purge or any later path) or loses the role the token was created under.

cnum.core sits below the domain apps: the purge announces the accounts it deactivates (accounts_deactivated) and
this app listens, as it listens to the User and RoleAssignment saves.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from cnum.accounts.models import RoleAssignment
from cnum.api.models import ApiToken
from cnum.api.perms import token_assignment
from cnum.core.retention import accounts_deactivated


def revoke_tokens_of(user_ids) -> int:
    """Revoke every token the accounts own."""
    return ApiToken.objects.filter(owner_id__in=user_ids).active().update(revoked_at=timezone.now())


def revoke_tokens_without_role(user_id) -> None:
    """Revoke the user's tokens whose role the user no longer holds."""
    for token in ApiToken.objects.filter(owner_id=user_id).active().select_related("owner", "advisor"):
        if token_assignment(token) is None:
            token.revoke()


def _user_saved(sender, instance, raw=False, **kwargs):
    if not raw and not instance.is_active:
        revoke_tokens_of([instance.pk])


def _role_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        revoke_tokens_without_role(instance.user_id)


def _accounts_deactivated(sender, user_ids, **kwargs):
    revoke_tokens_of(user_ids)


def connect() -> None:
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="api-tokens-owner-deactivated")
    post_save.connect(_role_changed, sender=RoleAssignment, dispatch_uid="api-tokens-role-changed")
    post_delete.connect(_role_changed, sender=RoleAssignment, dispatch_uid="api-tokens-role-removed")
    accounts_deactivated.connect(_accounts_deactivated, dispatch_uid="api-tokens-accounts-purged")
