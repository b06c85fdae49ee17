"""Home panels of the funding (cnum.core.home): a structure manager's conventions and next payment; the programme
team's alerts (vacant posts to give back, conventions ending, campaigns waiting for answers)."""

import datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.core.formatting import number
from cnum.core.home import Figure, Link, Panel
from cnum.funding.enums import InstalmentStatus
from cnum.funding.models import Campaign, CampaignResponse, CampaignTarget, Convention, Instalment
from cnum.structures.models import Post

#: Conventions ending within this many days are announced to the programme team.
ENDING_SOON_DAYS = 90


def _euros(amount: int) -> str:
    return f"{number(amount)}\u00a0€"


def structure_panel(user) -> Panel | None:
    assignment = user.active_role
    if assignment is None or assignment.role != Role.STRUCTURE_MANAGER:
        return None
    today = timezone.localdate()
    conventions = Convention.objects.visible_to(user)
    current = conventions.filter(start__lte=today, end__gte=today)
    upcoming = (
        Instalment.objects.filter(convention_post__convention__in=conventions, status=InstalmentStatus.PLANNED)
        .filter(due_on__gte=today)
        .order_by("due_on")
    )
    next_due = upcoming.first()
    figures = [Figure("conventions en cours", number(current.count()))]
    if next_due is not None:
        amount = sum(upcoming.filter(due_on=next_due.due_on).values_list("amount", flat=True))
        figures.append(Figure(f"prochain versement, le {next_due.due_on:%d/%m/%Y}", _euros(amount)))
    return Panel(
        title="Financement de la structure",
        order=28,
        figures=figures,
        items=[
            Link(
                str(convention),
                reverse("funding:convention_detail", kwargs={"pk": convention.pk}),
                f"du {convention.start:%d/%m/%Y} au {convention.end:%d/%m/%Y}",
            )
            for convention in conventions.order_by("-start")[:5]
        ],
        items_title="Conventions",
        empty="Aucune convention de financement enregistrée pour la structure.",
        more=Link("Conventions, échéanciers et versements", reverse("funding:convention_list")),
    )


def programme_alerts_panel(user) -> Panel | None:
    assignment = user.active_role
    if assignment is None or assignment.role != Role.PROGRAMME_TEAM:
        return None
    today = timezone.localdate()
    ending = Convention.objects.filter(end__gte=today, end__lte=today + datetime.timedelta(days=ENDING_SOON_DAYS))
    open_campaigns = Campaign.objects.sent().filter(deadline__gte=today)
    answered = CampaignResponse.objects.filter(campaign=OuterRef("campaign"), structure=OuterRef("structure"))
    unanswered = CampaignTarget.objects.filter(campaign__in=open_campaigns).exclude(Exists(answered))
    return Panel(
        title="Alertes du programme",
        order=15,
        figures=[
            Figure(
                "postes vacants depuis plus de 6 mois", number(Post.objects.vacant_for_return(today=today).count())
            ),
            Figure(f"conventions se terminant d'ici {ENDING_SOON_DAYS} jours", number(ending.count())),
            Figure("campagnes de renouvellement ouvertes", number(open_campaigns.count())),
            Figure("structures sans réponse à une campagne ouverte", number(unanswered.count())),
        ],
        tasks=[
            Link("Budget et simulateur", reverse("funding:budget")),
            Link("Campagnes de renouvellement", reverse("funding:campaign_list")),
        ],
    )


def connect() -> None:
    from cnum.core import home

    for provider in (programme_alerts_panel, structure_panel):
        home.register(provider)
