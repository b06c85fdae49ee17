"""Granting and taking back roles: invitations, access requests, removals, deactivations, and the advisor's role
that follows their contracts. Every change is a saved row of an audited model (cnum.core.audit): the trail says who
granted, refused or removed what. Removing a role or deactivating an account also revokes the API tokens it no
longer covers (cnum.api.signals listens to those saves)."""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cnum.access import rules
from cnum.access.enums import AccessRequestStatus
from cnum.access.models import AccessRequest, Invitation
from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from cnum.advisors.models import Advisor, Contract
from cnum.core import audit
from cnum.stats.scopes import Scope, ScopeError, ScopeKind


@dataclasses.dataclass(frozen=True)
class Target:
    """A role and the scope it is granted within, checked and found."""

    role: str
    scope: Scope
    object: object

    @property
    def label(self) -> str:
        return f"{Role(self.role).label} — {self.scope.label}"


def target_read(role: str, scope_text: str) -> Target:
    """The role and its scope (`stats --scope` syntax), with the scope named by its object's key."""
    if role not in Role.values:
        raise ValidationError({"role": f"Rôle inconnu : « {role} »."})
    try:
        scope, obj = rules.role_scope(role, scope_text)
    except ScopeError as error:
        raise ValidationError({"scope": str(error)}) from error
    canonical = scope if obj is None else Scope(scope.kind, str(obj.pk))
    return Target(role, canonical, obj)


def _holds(user, target: Target) -> bool:
    if user is None:
        return False
    assignments = RoleAssignment.objects.filter(user=user, role=target.role)
    if target.object is None or target.role == Role.ADVISOR:
        return assignments.exists()
    return assignments.filter(scope_id=str(target.object.pk)).exists()


def _user_of(email: str):
    return get_user_model().objects.filter(email__iexact=email.strip()).first()


def _check_advisor(email: str, target: Target) -> None:
    """An advisor's role follows a contract with the structure: current or to come."""
    today = timezone.localdate()
    contracts = Contract.objects.filter(advisor__email__iexact=email.strip(), structure=target.object)
    if not contracts.exclude(end__lt=today).exists():
        raise ValidationError(
            {
                "email": "Aucun contrat en cours ou à venir de cette personne dans cette structure : enregistrez "
                "d'abord le conseiller et son contrat, avec cette adresse électronique."
            }
        )


def grant_check(*, granter, email: str, target: Target) -> None:
    """Why `granter` may not give `target` to `email` (ValidationError), or nothing. `granter` None: the command
    line without --by, which acts for the programme team."""
    if granter is not None and not rules.can_grant(granter, target.role, target.object):
        raise ValidationError({"role": "Vous ne pouvez pas attribuer ce rôle sur ce périmètre."})
    if target.role == Role.ADVISOR:
        _check_advisor(email, target)
    user = _user_of(email)
    if user is not None and not user.is_active:
        raise ValidationError({"email": "Ce compte est désactivé."})
    if _holds(user, target):
        raise ValidationError({"email": f"{email} a déjà ce rôle : {target.label}."})


def link_of(invitation_token: str) -> str:
    return settings.CNUM_SITE_URL.rstrip("/") + reverse("access:invitation", args=[invitation_token])


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> None:
    if recipients:
        body = render_to_string(f"access/email/{template}.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def _send_invitation(invitation: Invitation, token: str) -> str:
    link = link_of(token)
    target = target_read(invitation.role, invitation.scope)
    context = {"invitation": invitation, "link": link, "target": target, "days": 7}
    _send("Invitation à rejoindre cnum", "invitation", context, [invitation.email])
    return link


@transaction.atomic
def invitation_send(*, granter, email: str, target: Target) -> tuple[Invitation, str]:
    """Invite `email` to hold `target`; returns the invitation and the link sent (printed by the command)."""
    grant_check(granter=granter, email=email, target=target)
    email = email.strip().lower()
    if Invitation.objects.pending().filter(email=email, role=target.role, scope=str(target.scope)).exists():
        raise ValidationError({"email": "Une invitation est déjà en cours : renvoyez-la depuis la liste des comptes."})
    invitation = Invitation(email=email, role=target.role, scope=str(target.scope), invited_by=granter)
    token = invitation.new_token()
    invitation.save()
    return invitation, _send_invitation(invitation, token)


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> str:
    """A new link for a pending invitation (expired or not); the previous link stops working."""
    token = invitation.new_token()
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    return _send_invitation(invitation, token)


def invitation_revoke(*, invitation: Invitation) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> RoleAssignment | None:
    """The invitee (signed in with the invited address, or just created) accepts: the role is granted in the name
    of whoever invited. The link is single-use."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError("Ce lien d'invitation n'est plus valable.")
    if user.email.lower() != invitation.email.lower():
        raise ValidationError("Cette invitation a été envoyée à une autre adresse électronique.")
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    granter = invitation.invited_by
    actor = audit.actor_for_user(granter) if granter else audit.current_actor()
    with audit.acting_as(actor):
        return role_grant(user=user, target=target_read(invitation.role, invitation.scope))


def role_grant(*, user, target: Target) -> RoleAssignment | None:
    """Give the role (kept if already held). An advisor's account is linked to their record, and the role waits
    for their contract to start (advisor_roles_sync) when it has not yet."""
    if target.role == Role.ADVISOR:
        advisor = Advisor.objects.filter(email__iexact=user.email).first()
        if advisor is not None and advisor.user_id is None:
            advisor.user = user
            advisor.save(update_fields=["user"])
        if advisor is None or not rules.advisor_entitled(advisor):
            return None
        assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=Role.ADVISOR, scope_id="")
        return assignment
    if target.object is None:
        assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=target.role, scope_id="")
        return assignment
    scope_type = ContentType.objects.get_for_model(type(target.object))
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user, role=target.role, scope_type=scope_type, scope_id=str(target.object.pk)
    )
    return assignment


def role_remove(*, assignment: RoleAssignment) -> None:
    """Take a role back; cnum.api.signals revokes the tokens created under it."""
    assignment.delete()


@transaction.atomic
def role_change(*, assignment: RoleAssignment, changed_by, target: Target) -> RoleAssignment | None:
    """Give `target` instead of the role `assignment` holds, in one step, with the checks of an invitation
    (grant_check): never beyond `changed_by`'s scope nor above its role. The assignment is saved with its new role
    and scope (one audited change); cnum.api.signals then revokes the tokens the old role covered. An advisor's role
    follows contracts: it is granted as an invitation grants it (role_grant)."""
    grant_check(granter=changed_by, email=assignment.user.email, target=target)
    if target.role == Role.ADVISOR:
        role_remove(assignment=assignment)
        return role_grant(user=assignment.user, target=target)
    assignment.role = target.role
    if target.object is None:
        assignment.scope_type, assignment.scope_id = None, ""
    else:
        assignment.scope_type = ContentType.objects.get_for_model(type(target.object))
        assignment.scope_id = str(target.object.pk)
    assignment.save()
    return assignment


def account_deactivate(*, account) -> None:
    """The account can no longer sign in; cnum.api.signals revokes its tokens."""
    account.is_active = False
    account.save(update_fields=["is_active"])


# --- access requests -------------------------------------------------------------------------------------------


def deciders(target: Target) -> list:
    """Who receives a request: the structure's managers for a role within a structure, else the programme team."""
    users = get_user_model().objects.filter(is_active=True)
    if target.scope.kind == ScopeKind.STRUCTURE:
        managers = users.filter(roles__role=Role.STRUCTURE_MANAGER, roles__scope_id=str(target.object.pk))
        if target.role in (Role.STRUCTURE_MANAGER, Role.ADVISOR) and managers.exists():
            return list(managers.distinct())
    return list(users.filter(roles__role=Role.PROGRAMME_TEAM).distinct())


@transaction.atomic
def access_request_create(*, user, target: Target, message: str = "") -> AccessRequest:
    if target.role not in rules.REQUESTABLE_ROLES:
        raise ValidationError({"role": "Ce rôle ne se demande pas : l'équipe nationale l'attribue."})
    if _holds(user, target):
        raise ValidationError({"role": f"Vous avez déjà ce rôle : {target.label}."})
    pending = AccessRequest.objects.filter(user=user, status=AccessRequestStatus.PENDING)
    if pending.filter(role=target.role, scope=str(target.scope)).exists():
        raise ValidationError({"role": "Vous avez déjà fait cette demande : elle attend une réponse."})
    access_request = AccessRequest.objects.create(
        user=user, role=target.role, scope=str(target.scope), message=message
    )
    context = {"access_request": access_request, "target": target, "link": settings.CNUM_SITE_URL.rstrip("/")}
    _send("Nouvelle demande d'accès à cnum", "access_request", context, [u.email for u in deciders(target)])
    return access_request


@transaction.atomic
def access_request_decide(*, access_request: AccessRequest, decided_by, accept: bool, reason: str = "") -> None:
    """Accept (the role is granted) or refuse with a reason; the agent is told either way."""
    target = target_read(access_request.role, access_request.scope)
    if accept:
        if target.role == Role.ADVISOR:
            _check_advisor(access_request.user.email, target)
        role_grant(user=access_request.user, target=target)
    elif not reason.strip():
        raise ValidationError({"reason": "Indiquez le motif du refus : il est envoyé à la personne."})
    access_request.status = AccessRequestStatus.ACCEPTED if accept else AccessRequestStatus.REFUSED
    access_request.decided_by, access_request.decided_at, access_request.reason = decided_by, timezone.now(), reason
    access_request.save()
    context = {"access_request": access_request, "target": target, "link": settings.CNUM_SITE_URL.rstrip("/")}
    subject = "Votre demande d'accès à cnum est acceptée" if accept else "Votre demande d'accès à cnum est refusée"
    _send(subject, "access_decision", context, [access_request.user.email])


# --- the advisor's role follows their contracts -------------------------------------------------------------


def advisor_roles_sync(on: datetime.date | None = None) -> tuple[int, int]:
    """Grant the advisor role to linked advisors whose contract has started, remove it once the last contract
    ended more than the grace period ago (rules.advisor_entitled). Returns (granted, removed)."""
    granted = removed = 0
    for advisor in Advisor.objects.filter(user__isnull=False, user__is_active=True).select_related("user"):
        held = RoleAssignment.objects.filter(user=advisor.user, role=Role.ADVISOR)
        entitled = rules.advisor_entitled(advisor, on)
        if entitled and not held.exists():
            RoleAssignment.objects.create(user=advisor.user, role=Role.ADVISOR, scope_id="")
            granted += 1
        elif not entitled and held.exists():
            for assignment in held:
                role_remove(assignment=assignment)
            removed += 1
    return granted, removed
