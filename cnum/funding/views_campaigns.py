"""Renewal campaign pages: the programme team creates, sends and follows a campaign; prefectures follow it for their
territory; a structure manager answers it. Thin views over cnum.funding.campaigns."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cnum.core.forms import errors_for
from cnum.funding import campaigns, perms
from cnum.funding.forms import CampaignCreateForm, CampaignResponseForm, CampaignSelectForm
from cnum.funding.models import Campaign, CampaignResponse, CampaignTarget
from cnum.stats.maps import choropleth


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def campaign_list(request):
    _require(perms.can_view_campaigns(request.user))
    return render(
        request,
        "funding/campaign_list.html",
        {
            "title": "Campagnes de renouvellement",
            "campaigns": Campaign.objects.select_related("created_by"),
            "can_manage": perms.can_manage_campaigns(request.user),
            "can_view_budget": perms.can_view_budget(request.user),
        },
    )


@login_required
def campaign_create(request):
    """GET previews the structures a selection concerns (nothing written); POST creates the draft campaign."""
    _require(perms.can_manage_campaigns(request.user))
    if request.method == "POST":
        form = CampaignCreateForm(request.POST)
        selection = form
    else:
        form = CampaignCreateForm(initial={"ending_before": request.GET.get("ending_before")})
        selection = CampaignSelectForm(request.GET or None)
    candidates = []
    if selection.is_bound and selection.is_valid():
        candidates = campaigns.campaign_candidates(
            ending_before=selection.cleaned_data["ending_before"],
            departement=getattr(selection.cleaned_data["departement"], "pk", ""),
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaigns.campaign_create(
                name=data["name"],
                terms=data["terms"],
                scheme=data["scheme"],
                deadline=data["deadline"],
                candidates=candidates,
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, errors_for(form, error))
        else:
            messages.success(request, f"Campagne « {campaign.name} » créée pour {len(candidates)} structure(s).")
            return redirect(campaign)
    return render(
        request,
        "funding/campaign_create.html",
        {
            "title": "Nouvelle campagne de renouvellement",
            "form": form,
            "selection": selection,
            "candidates": candidates,
            "posts": sum(c.posts for c in candidates),
        },
    )


@login_required
def campaign_detail(request, pk: int):
    """The live dashboard: response and re-engagement rates, posts kept and returned per département."""
    _require(perms.can_view_campaigns(request.user))
    campaign = get_object_or_404(Campaign, pk=pk)
    figures = campaigns.campaign_figures(campaign, perms.campaign_structures(request.user))
    values = {
        row["code"]: round(row["reengagement_rate"] * 100)
        for row in figures["departements"]
        if row["code"] and row["reengagement_rate"] is not None
    }
    names = {row["code"]: row["name"] for row in figures["departements"]}
    return render(
        request,
        "funding/campaign_detail.html",
        {
            "title": campaign.name,
            "campaign": campaign,
            "figures": figures,
            "map": choropleth(
                "carte-reengagement", "Taux de réengagement par département (%)", values, names=names, unit="%"
            ),
            "can_manage": perms.can_manage_campaigns(request.user),
            "messages_sent": campaign.messages.count(),
        },
    )


@login_required
def campaign_export(request, pk: int):
    _require(perms.can_view_campaigns(request.user))
    campaign = get_object_or_404(Campaign, pk=pk)
    figures = campaigns.campaign_figures(campaign, perms.campaign_structures(request.user))
    response = HttpResponse(campaigns.campaign_csv(figures), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campagne-{campaign.pk}-reponses.csv"'
    return response


@login_required
@require_POST
def campaign_send(request, pk: int):
    _require(perms.can_manage_campaigns(request.user))
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        outcome = campaigns.campaign_send(campaign=campaign, site_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Campagne envoyée : {outcome['sent']} courriel(s) envoyé(s), {outcome['failed']} échec(s), "
            f"{outcome['without_contact']} structure(s) sans courriel de contact (avis dans l'application seulement).",
        )
    return redirect(campaign)


@login_required
def campaign_answer(request, pk: int):
    """A structure manager's answer: editable until the deadline, read-only after."""
    structures = perms.answerable_structures(request.user)
    _require(structures is not None)
    campaign = get_object_or_404(Campaign.objects.sent(), pk=pk)
    target = get_object_or_404(
        CampaignTarget.objects.select_related("structure"), campaign=campaign, structure__in=structures
    )
    response = CampaignResponse.objects.filter(campaign=campaign, structure=target.structure).first()
    is_open = campaign.is_open()
    if request.method == "POST" and is_open:
        form = CampaignResponseForm(request.POST, posts=target.posts)
        if form.is_valid():
            try:
                campaigns.response_submit(
                    campaign=campaign, structure=target.structure, data=form.cleaned_data, answered_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, errors_for(form, error))
            else:
                messages.success(
                    request, "Votre réponse est enregistrée. Vous pouvez la modifier jusqu'à la date limite."
                )
                return redirect(reverse("funding:campaign_answer", args=[campaign.pk]))
    else:
        form = CampaignResponseForm(initial=_initial(response, target), posts=target.posts)
    return render(
        request,
        "funding/campaign_answer.html",
        {
            "title": f"Renouvellement — {campaign.name}",
            "campaign": campaign,
            "target": target,
            "response": response,
            "form": form,
            "is_open": is_open,
            "today": timezone.localdate(),
        },
    )


def _initial(response: CampaignResponse | None, target: CampaignTarget) -> dict:
    if response is None:
        return {"posts_requested": target.posts}
    return {
        field: getattr(response, field)
        for field in ("decision", "posts_requested", "advisor_choice", "new_advisors", "reason", "comment")
    }
