import csv

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cnum.access import forms, presenters, rules, services, visibility
from cnum.access.enums import AccessRequestStatus
from cnum.access.models import Invitation
from cnum.accounts import oidc
from cnum.accounts.enums import Role
from cnum.accounts.middleware import remember_active_role
from cnum.accounts.models import RoleAssignment
from cnum.core.tabular import safe_row

PAGE_SIZE = 50


def _errors(error: ValidationError) -> list[str]:
    return (
        [message for messages_ in error.message_dict.values() for message in messages_]
        if hasattr(error, "error_dict")
        else error.messages
    )


@login_required
def accounts(request):
    """The accounts of the caller's scope, the invitations pending, the access requests to decide."""
    if not rules.can_view_accounts(request.user):
        raise PermissionDenied
    rows = presenters.account_rows(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        if row.account is not None:
            row.removable = [a for a in row.account.roles.all() if rules.can_remove_role(request.user, a)]
            row.changes = [_change_form(request.user, a) for a in row.removable]
            row.can_deactivate = row.account.is_active and rules.can_deactivate(request.user, row.account)
    pending = visibility.decidable_requests(request.user).filter(status=AccessRequestStatus.PENDING)
    context = {
        "title": "Comptes",
        "page": page,
        "can_invite": bool(rules.grantable_roles(request.user)),
        "access_requests": pending,
        "decision_form": forms.DecisionForm(),
    }
    return render(request, "access/accounts.html", context)


@login_required
def accounts_export(request):
    if not rules.can_view_accounts(request.user):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="comptes.csv"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(safe_row(presenters.CSV_HEADER))
    for row in presenters.account_rows(request.user):
        writer.writerow(safe_row(row.as_csv()))
    return response


@login_required
def invite(request):
    if not rules.grantable_roles(request.user):
        raise PermissionDenied
    form = forms.InviteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_send(granter=request.user, email=form.cleaned_data["email"], target=form.target)
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, f"Invitation envoyée à {form.cleaned_data['email']}.")
            return redirect("access:accounts")
    return render(request, "access/invite.html", {"title": "Inviter une personne", "form": form})


def _managed_invitation(request, pk) -> Invitation:
    invitation = get_object_or_404(visibility.visible_invitations(request.user).pending(), pk=pk)
    target = services.target_read(invitation.role, invitation.scope)
    if not rules.can_grant(request.user, target.role, target.object):
        raise PermissionDenied
    return invitation


@login_required
@require_POST
def invitation_resend(request, pk):
    invitation = _managed_invitation(request, pk)
    services.invitation_resend(invitation=invitation)
    messages.success(request, f"Un nouveau lien a été envoyé à {invitation.email} ; le précédent ne fonctionne plus.")
    return redirect("access:accounts")


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = _managed_invitation(request, pk)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, f"L'invitation de {invitation.email} est annulée.")
    return redirect("access:accounts")


@login_required
@require_POST
def role_remove(request, pk):
    assignment = _managed_assignment(request, pk)
    services.role_remove(assignment=assignment)
    messages.success(request, f"Le rôle « {assignment} » est retiré ; ses jetons d'API sont révoqués.")
    return redirect("access:accounts")


def _managed_assignment(request, pk) -> RoleAssignment:
    """A role assignment of the caller's scope that the caller could take back (rules.can_remove_role)."""
    assignment = get_object_or_404(
        RoleAssignment.objects.filter(user__in=visibility.visible_accounts(request.user)).select_related("user"),
        pk=pk,
    )
    if not rules.can_remove_role(request.user, assignment):
        raise PermissionDenied
    return assignment


@login_required
def role_change(request, pk):
    """Another role and/or scope in one step, with the checks of an invitation (services.role_change). The form
    sits on /comptes/; this page shows it again with its errors."""
    assignment = _managed_assignment(request, pk)
    form = forms.RoleChangeForm(request.POST or None, user=request.user, initial=_current(assignment))
    if request.method == "POST" and form.is_valid():
        before = str(assignment)
        try:
            changed = services.role_change(assignment=assignment, changed_by=request.user, target=form.target)
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            now = str(changed) if changed else "conseiller (à compter de son contrat)"
            messages.success(
                request,
                f"Le rôle de {assignment.user.email} passe de « {before} » à « {now} » ; "
                "les jetons d'API de l'ancien rôle sont révoqués.",
            )
            return redirect("access:accounts")
    context = {"title": "Changer un rôle", "form": form, "assignment": assignment}
    return render(request, "access/role_change.html", context)


def _current(assignment) -> dict:
    """The assignment's role and scope, as the form writes them (an advisor's role has no scope of its own)."""
    if assignment.role == Role.ADVISOR or (not assignment.scope_id and assignment.role != Role.PROGRAMME_TEAM):
        return {"role": assignment.role}
    return {"role": assignment.role, "scope": str(rules.own_scope(assignment))}


def _change_form(user, assignment) -> forms.RoleChangeForm:
    """The small form of one assignment on /comptes/, its fields' ids unique on the page."""
    form = forms.RoleChangeForm(user=user, initial=_current(assignment), auto_id=f"id_change_{assignment.pk}_%s")
    form.assignment = assignment
    return form


@login_required
@require_POST
def deactivate(request, pk):
    account = get_object_or_404(visibility.visible_accounts(request.user), pk=pk)
    if not rules.can_deactivate(request.user, account):
        raise PermissionDenied
    services.account_deactivate(account=account)
    messages.success(request, f"Le compte {account.email} est désactivé ; ses jetons d'API sont révoqués.")
    return redirect("access:accounts")


@login_required
@require_POST
def request_decide(request, pk):
    access_request = get_object_or_404(
        visibility.decidable_requests(request.user).filter(status=AccessRequestStatus.PENDING), pk=pk
    )
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        for message in [m for errors in form.errors.values() for m in errors]:
            messages.error(request, message)
        return redirect("access:accounts")
    accept = form.cleaned_data["decision"] == forms.DecisionForm.ACCEPT
    try:
        services.access_request_decide(
            access_request=access_request, decided_by=request.user, accept=accept, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in _errors(error):
            messages.error(request, message)
    else:
        messages.success(request, "Demande acceptée." if accept else "Demande refusée ; la personne est prévenue.")
    return redirect("access:accounts")


# --- the invitee's side ------------------------------------------------------------------------------------------


def invitation(request, token):
    """The link of the e-mail: create the account (password, or ProConnect) or sign in, then accept."""
    found = Invitation.objects.by_token(token)
    if found is None:
        raise Http404("Invitation inconnue.")
    if not found.is_usable:
        return render(request, "access/invitation_unusable.html", {"title": "Lien expiré", "invitation": found})
    account = get_user_model().objects.filter(email__iexact=found.email).first()
    has_credentials = account is not None and (account.has_usable_password() or account.proconnect_sub)
    signed_in_as_invitee = request.user.is_authenticated and request.user.email.lower() == found.email.lower()
    form = None
    if not has_credentials and not request.user.is_authenticated:
        form = forms.InvitationAcceptForm(request.POST or None, email=found.email)
    if request.method == "POST":
        if request.user.is_authenticated and not signed_in_as_invitee:
            raise PermissionDenied("Cette invitation a été envoyée à une autre adresse électronique.")
        if signed_in_as_invitee:
            return _accepted(request, found, request.user)
        if form is not None and form.is_valid():
            account = account or get_user_model().objects.create_user(found.email)
            account.first_name = form.cleaned_data["first_name"]
            account.last_name = form.cleaned_data["last_name"]
            account.set_password(form.cleaned_data["password1"])
            account.save()
            login(request, account, backend="cnum.accounts.backends.ModelBackend")
            return _accepted(request, found, account)
    context = {
        "title": "Invitation",
        "invitation": found,
        "target": services.target_read(found.role, found.scope),
        "form": form,
        "signed_in_as_invitee": signed_in_as_invitee,
        "has_credentials": has_credentials,
        "proconnect_enabled": oidc.proconnect_enabled(),
        "here": request.path,
    }
    return render(request, "access/invitation.html", context)


def _accepted(request, found: Invitation, account):
    try:
        assignment = services.invitation_accept(invitation=found, user=account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("core:dashboard")
    if assignment is not None:
        account.activate_role(assignment)
        remember_active_role(request, assignment)
        messages.success(request, f"Bienvenue : vous agissez en tant que {assignment}.")
    else:
        messages.info(request, "Votre compte est prêt : votre rôle de conseiller commencera avec votre contrat.")
    return redirect("core:dashboard")


@require_POST
def invitation_renew(request, token):
    """An expired link asks for a new one: it goes to the invited address only, so anyone may ask."""
    found = Invitation.objects.by_token(token)
    if found is None or found.accepted_at or found.revoked_at or not found.is_expired:
        raise Http404("Invitation inconnue.")
    services.invitation_resend(invitation=found)
    messages.success(request, "Un nouveau lien vient d'être envoyé à l'adresse invitée.")
    return redirect("core:home")


# --- an agent without the role asks for it -----------------------------------------------------------------------


@login_required
def access_request(request):
    structure = request.user.proconnect_structure
    initial = {"scope": f"structure:{structure.pk}"} if structure else {}
    form = forms.AccessRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_create(user=request.user, target=form.target, message=form.cleaned_data["message"])
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, "Votre demande est envoyée ; vous recevrez la réponse par courriel.")
            return redirect("core:dashboard")
    context = {
        "title": "Demander un accès",
        "form": form,
        "structure": structure,
        "requests": request.user.access_requests.all(),
        "accounts_url": reverse("access:accounts"),
    }
    return render(request, "access/access_request.html", context)
