"""Advisor pages: the list, an advisor's record, and the forms that record contracts, sites, trainings and teams.

Every page answers 404 for an unknown object and 403 for one outside the active role's scope (cnum.advisors.perms).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.views.decorators.http import require_POST

from cnum.advisors import forms, perms, services
from cnum.advisors.models import Advisor, Contract, SiteAssignment, Team, TeamMembership, Training
from cnum.core.forms import errors_for

PAGE_SIZE = 50


def _allow(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _visible_advisor(request, pk) -> Advisor:
    advisor = get_object_or_404(Advisor, pk=pk)
    _allow(perms.can_view_advisor(request.user, advisor))
    return advisor


def _visible_team(request, pk) -> Team:
    team = get_object_or_404(Team.objects.select_related("structure", "coordinator"), pk=pk)
    _allow(perms.can_view_team(request.user, team))
    return team


def _data(request):
    return request.POST if request.method == "POST" else None


def _saved(form, save) -> bool:
    """Run `save()`; a rule broken since the form was checked (another contract took the post) shows on the form."""
    try:
        save()
    except ValidationError as error:
        form.add_error(None, errors_for(form, error))
        return False
    return True


def _form_page(request, *forms_shown, title, back_url, intro="", submit="Enregistrer"):
    """A form page; `back_url` is where "Annuler" leads: a URL name or an object with get_absolute_url()."""
    context = {
        "title": title,
        "forms": forms_shown,
        "back_url": resolve_url(back_url),
        "intro": intro,
        "submit": submit,
    }
    return render(request, "advisors/form.html", context)


def _preselected_structure(request):
    structure_id = request.GET.get("structure", "")
    if not structure_id.isdigit():
        return None
    return perms.manageable_structures(request.user).filter(pk=structure_id).first()


# --- advisors -------------------------------------------------------------------------------------------------


@login_required
def advisor_list(request):
    """The advisors the active role sees, filtered, 50 a page with their current contracts."""
    advisors = Advisor.objects.visible_to(request.user)
    form = forms.AdvisorFilterForm(request.GET or None)
    if form.is_valid():
        advisors = form.filter(advisors)
    advisors = advisors.with_current_contracts().order_by("last_name", "first_name", "pk")
    page = Paginator(advisors, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": "Conseillers numériques",
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": perms.can_create_advisor(request.user),
    }
    return render(request, "advisors/advisor_list.html", context)


@login_required
def advisor_detail(request, pk):
    advisor = _visible_advisor(request, pk)
    user = request.user
    contracts = list(advisor.contracts.select_related("structure__departement", "post"))
    for contract in contracts:
        contract.manageable = perms.can_manage_contracts(user, contract.structure)
    context = {
        "title": advisor.full_name,
        "advisor": advisor,
        "contracts": contracts,
        "site_assignments": advisor.site_assignments.select_related("site"),
        "memberships": _memberships_for(user, advisor),
        "coordinated_teams": advisor.coordinated_teams.all(),
        "trainings": advisor.trainings.all(),
        "can_edit": perms.can_edit_advisor(user, advisor),
        "can_start_contract": perms.can_start_contract(user, advisor),
        "can_manage_sites": perms.can_manage_site_assignments(user, advisor),
        "can_manage_trainings": perms.can_manage_trainings(user, advisor),
    }
    return render(request, "advisors/advisor_detail.html", context)


def _memberships_for(user, advisor) -> list:
    """The advisor's teams; a request still waiting says whether the user may answer it."""
    memberships = list(advisor.team_memberships.select_related("team__coordinator"))
    may_decide = perms.consents_for(user, advisor)
    for membership in memberships:
        membership.decidable = may_decide and membership.is_requested
    return memberships


@login_required
def advisor_create(request):
    """A new advisor, with their first contract (optional for the programme team only)."""
    user = request.user
    _allow(perms.can_create_advisor(user))
    advisor_form = forms.AdvisorCreateForm(_data(request))
    contract_form = forms.AdvisorCreateContractForm(
        _data(request),
        prefix="contrat",
        user=user,
        structure=_preselected_structure(request),
        required=not perms.acts_nationally(user),
    )
    if request.method == "POST" and all([advisor_form.is_valid(), contract_form.is_valid()]):
        contract = contract_form.cleaned_data if contract_form.is_filled() else {}
        try:
            advisor = services.advisor_create(**advisor_form.cleaned_data, **contract)
        except ValidationError as error:
            contract_form.add_error(None, errors_for(contract_form, error))
        else:
            messages.success(request, f"Le conseiller {advisor} est enregistré.")
            return redirect(advisor)
    return _form_page(
        request,
        advisor_form,
        contract_form,
        title="Nouveau conseiller",
        back_url="advisors:list",
        intro="Identité du conseiller, puis son contrat de travail.",
    )


@login_required
def advisor_edit(request, pk):
    advisor = _visible_advisor(request, pk)
    _allow(perms.can_edit_advisor(request.user, advisor))
    form = forms.AdvisorForm(_data(request), instance=advisor)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Les informations du conseiller sont enregistrées.")
        return redirect("advisors:detail", pk=advisor.pk)
    return _form_page(request, form, title=f"Modifier — {advisor}", back_url=advisor)


# --- contracts ------------------------------------------------------------------------------------------------


def _managed_contract(request, pk) -> Contract:
    contract = get_object_or_404(Contract.objects.select_related("advisor", "structure", "post"), pk=pk)
    _allow(perms.can_view_advisor(request.user, contract.advisor))
    _allow(perms.can_manage_contracts(request.user, contract.structure))
    return contract


@login_required
def contract_create(request, pk):
    advisor = _visible_advisor(request, pk)
    _allow(perms.can_start_contract(request.user, advisor))
    form = forms.ContractStartForm(
        _data(request), user=request.user, advisor=advisor, structure=_preselected_structure(request)
    )
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.contract_start(advisor=advisor, **form.cleaned_data)):
            messages.success(request, "Le contrat est enregistré.")
            return redirect("advisors:detail", pk=advisor.pk)
    return _form_page(request, form, title=f"Nouveau contrat — {advisor}", back_url=advisor)


@login_required
def contract_edit(request, pk):
    contract = _managed_contract(request, pk)
    form = forms.ContractEditForm(_data(request), instance=contract, user=request.user)
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.contract_update(contract=contract, **form.cleaned_data)):
            messages.success(request, "Le contrat est corrigé.")
            return redirect("advisors:detail", pk=contract.advisor_id)
    title = f"Corriger le contrat — {contract.advisor} chez {contract.structure}"
    return _form_page(request, form, title=title, back_url=contract.advisor)


@login_required
def contract_end(request, pk):
    contract = _managed_contract(request, pk)
    form = forms.ContractEndForm(_data(request), instance=contract)
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.contract_end(contract=contract, **form.cleaned_data)):
            messages.success(request, "La fin du contrat est enregistrée.")
            return redirect("advisors:detail", pk=contract.advisor_id)
    return _form_page(
        request,
        form,
        title=f"Fin du contrat — {contract.advisor} chez {contract.structure}",
        back_url=contract.advisor,
        intro="Le poste redevient vacant à cette date si aucun autre contrat ne l'occupe.",
        submit="Enregistrer la fin du contrat",
    )


# --- sites and trainings --------------------------------------------------------------------------------------


def _advisor_part_form(request, *, advisor, form_class, instance, allowed, title, done):
    _allow(allowed)
    form = form_class(_data(request), instance=instance, advisor=advisor)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, done)
        return redirect("advisors:detail", pk=advisor.pk)
    return _form_page(request, form, title=f"{title} — {advisor}", back_url=advisor)


@login_required
def site_assignment_create(request, pk):
    advisor = _visible_advisor(request, pk)
    return _advisor_part_form(
        request,
        advisor=advisor,
        form_class=forms.SiteAssignmentForm,
        instance=None,
        allowed=perms.can_manage_site_assignments(request.user, advisor),
        title="Nouveau lieu d'activité",
        done="Le rattachement au lieu est enregistré.",
    )


@login_required
def site_assignment_edit(request, pk):
    assignment = get_object_or_404(SiteAssignment.objects.select_related("advisor", "site"), pk=pk)
    advisor = _visible_advisor(request, assignment.advisor_id)
    return _advisor_part_form(
        request,
        advisor=advisor,
        form_class=forms.SiteAssignmentForm,
        instance=assignment,
        allowed=perms.can_manage_site_assignments(request.user, advisor),
        title="Modifier le lieu d'activité",
        done="Le rattachement au lieu est enregistré.",
    )


@login_required
def training_create(request, pk):
    advisor = _visible_advisor(request, pk)
    return _advisor_part_form(
        request,
        advisor=advisor,
        form_class=forms.TrainingForm,
        instance=None,
        allowed=perms.can_manage_trainings(request.user, advisor),
        title="Nouvelle formation",
        done="La formation est enregistrée.",
    )


@login_required
def training_edit(request, pk):
    training = get_object_or_404(Training, pk=pk)
    advisor = _visible_advisor(request, training.advisor_id)
    return _advisor_part_form(
        request,
        advisor=advisor,
        form_class=forms.TrainingForm,
        instance=training,
        allowed=perms.can_manage_trainings(request.user, advisor),
        title="Modifier la formation",
        done="La formation est enregistrée.",
    )


# --- teams ----------------------------------------------------------------------------------------------------


@login_required
def team_list(request):
    teams = (
        Team.objects.visible_to(request.user).select_related("coordinator", "structure").with_current_member_count()
    )
    page = Paginator(teams.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"title": "Équipes", "page": page, "query": "", "can_create": perms.can_create_team(request.user)}
    return render(request, "advisors/team_list.html", context)


@login_required
def team_detail(request, pk):
    team = _visible_team(request, pk)
    user = request.user
    memberships = list(team.memberships.select_related("advisor"))
    member_ids = [membership.advisor_id for membership in memberships]
    visible_ids = set(Advisor.objects.visible_to(user).filter(pk__in=member_ids).values_list("pk", flat=True))
    for membership in memberships:
        membership.advisor_visible = membership.advisor_id in visible_ids
    current = [m for m in memberships if m.is_accepted and m.is_current()]
    history = perms.can_view_team_history(user, team)
    context = {
        "title": team.name,
        "team": team,
        "current": current,
        # Requests waiting for the advisor's or their employer's answer, shown to those who manage the team.
        "requested": [m for m in memberships if m.is_requested] if perms.can_manage_memberships(user, team) else [],
        "others": [m for m in memberships if m not in current and not m.is_requested] if history else [],
        "can_edit": perms.can_edit_team(user, team),
        "can_manage_memberships": perms.can_manage_memberships(user, team),
        "coordinator_visible": perms.can_view_advisor(user, team.coordinator),
    }
    return render(request, "advisors/team_detail.html", context)


@login_required
def team_create(request):
    _allow(perms.can_create_team(request.user))
    form = forms.TeamForm(_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        team = form.save()
        messages.success(request, f"L'équipe {team} est créée.")
        return redirect("advisors:team_detail", pk=team.pk)
    return _form_page(request, form, title="Nouvelle équipe", back_url="advisors:team_list")


@login_required
def team_edit(request, pk):
    team = _visible_team(request, pk)
    _allow(perms.can_edit_team(request.user, team))
    form = forms.TeamForm(_data(request), instance=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "L'équipe est enregistrée.")
        return redirect("advisors:team_detail", pk=team.pk)
    return _form_page(request, form, title=f"Modifier — {team}", back_url=team)


@login_required
def membership_create(request, pk):
    team = _visible_team(request, pk)
    return _membership_form(request, team=team, membership=None, title=f"Ajouter un membre — {team}")


@login_required
def membership_edit(request, pk):
    membership = get_object_or_404(TeamMembership.objects.select_related("advisor"), pk=pk)
    team = _visible_team(request, membership.team_id)
    return _membership_form(request, team=team, membership=membership, title=f"{membership.advisor} — {team}")


def _membership_form(request, *, team, membership, title):
    _allow(perms.can_manage_memberships(request.user, team))
    form = forms.TeamMembershipForm(_data(request), instance=membership, user=request.user, team=team)
    if request.method == "POST" and form.is_valid():
        if _saved(form, lambda: services.membership_save(membership=form.instance, by=request.user)):
            if form.instance.is_accepted:
                messages.success(request, "L'appartenance à l'équipe est enregistrée.")
            else:
                messages.info(
                    request,
                    "La demande est enregistrée : elle prendra effet quand le conseiller ou sa structure employeuse "
                    "l'aura acceptée.",
                )
            return redirect("advisors:team_detail", pk=team.pk)
    intro = "Pour retirer un conseiller de l'équipe, indiquez son dernier jour." if membership else MEMBERSHIP_INTRO
    return _form_page(request, form, title=title, back_url=team, intro=intro)


MEMBERSHIP_INTRO = (
    "Le conseiller rejoint l'équipe à partir de la date de début, au plus tôt aujourd'hui. Demandée par la "
    "coordination, l'appartenance attend l'accord du conseiller ou de sa structure employeuse."
)


@require_POST
@login_required
def membership_decide(request, pk, *, accept: bool):
    """The advisor, or a manager of their current employer, accepts or refuses a requested membership."""
    membership = get_object_or_404(TeamMembership.objects.select_related("advisor", "team"), pk=pk)
    _allow(perms.can_decide_membership(request.user, membership))
    if _decided(request, membership, accept):
        verb = "acceptée" if accept else "refusée"
        messages.success(request, f"La demande d'appartenance à l'équipe {membership.team} est {verb}.")
    if perms.can_view_advisor(request.user, membership.advisor):
        return redirect("advisors:detail", pk=membership.advisor_id)
    return redirect("advisors:team_list")


def _decided(request, membership, accept: bool) -> bool:
    try:
        services.membership_decide(membership=membership, accept=accept, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    return True
