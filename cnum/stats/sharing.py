"""Shareable figures (issue #21, deliverable 6): an advisor, or a manager of a structure, publishes a public link to
its own figures, and revokes it at any time. One link at a time per scope: publishing again gives the same link
until it is revoked; a revoked link answers 404 for ever (a new one gets a new token).

Who shares what: the advisor role shares its own advisor's figures; the structure manager role its structure's.
No other role has figures of its own to share (a coordinator's team or a territory's are not published this way:
territories have the public pages).
"""

import secrets

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as
from cnum.core.home import Link, Panel
from cnum.stats.models import FiguresShare
from cnum.stats.perms import own_advisor
from cnum.stats.scopes import Scope, ScopeKind


def shareable_scope(user) -> Scope | None:
    """The scope whose figures the active role may publish, or None."""
    assignment = acting_as(user)
    if assignment is None:
        return None
    if assignment.role == Role.ADVISOR:
        advisor = own_advisor(user)
        return Scope(ScopeKind.ADVISOR, str(advisor.pk)) if advisor else None
    if assignment.role == Role.STRUCTURE_MANAGER and str(assignment.scope_id or "").isdigit():
        return Scope(ScopeKind.STRUCTURE, str(assignment.scope_id))
    return None


def active_share(scope: Scope) -> FiguresShare | None:
    return FiguresShare.objects.filter(scope=str(scope), revoked_at__isnull=True).first()


@transaction.atomic
def share_publish(*, scope: Scope, by) -> FiguresShare:
    """The scope's link: the one published already, else a new one with an unguessable token."""
    return active_share(scope) or FiguresShare.objects.create(
        scope=str(scope), token=secrets.token_urlsafe(24), created_by=by
    )


@transaction.atomic
def share_revoke(*, scope: Scope) -> int:
    """Revoke the scope's link (its page answers 404 from now on); the number of links revoked (0 or 1)."""
    now = timezone.now()
    revoked = 0
    for share in FiguresShare.objects.select_for_update().filter(scope=str(scope), revoked_at__isnull=True):
        share.revoked_at = now
        share.save(update_fields=["revoked_at"])  # through save(): the audit trail records it
        revoked += 1
    return revoked


def shared_scope(token: str) -> Scope | None:
    """The scope of a link still published, or None (unknown or revoked)."""
    share = FiguresShare.objects.filter(token=token, revoked_at__isnull=True).first()
    return Scope.parse(share.scope) if share else None


def share_panel(user) -> Panel | None:
    """On the home page of whoever may share its figures: the way to the sharing page."""
    scope = shareable_scope(user)
    if scope is None:
        return None
    published = active_share(scope) is not None
    return Panel(
        title="Partager mes statistiques",
        order=6,
        empty="Un lien public vers vos chiffres est publié." if published else "Aucun lien public n'est publié.",
        tasks=[Link("Gérer le lien de partage" if published else "Publier un lien", reverse("stats:share"))],
    )
