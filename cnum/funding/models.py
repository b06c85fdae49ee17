"""Funding: budget lines voted each year, the grant schemes of each phase, conventions with their posts, the
instalments paid under them, and saved budget simulations.

Amounts are integer euros. Reference rows (programmes, budget lines, schemes) come from the versioned files of
cnum/funding/reference, loaded by `load_funding_reference`.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from cnum.funding.enums import (
    AdvisorChoice,
    BudgetVersion,
    CampaignDecision,
    CampaignMessageKind,
    ConventionStatus,
    CreditKind,
    EmployerKind,
    InstalmentStatus,
    NonRenewalReason,
    PaymentTiming,
)
from cnum.funding.schedules import Scheme, Tranche
from cnum.structures.enums import Phase
from cnum.structures.models import Post, Structure


class BudgetProgramme(models.Model):
    code = models.CharField("programme", max_length=10, unique=True)
    label = models.CharField("intitulé", max_length=200)
    actions = models.JSONField("actions", default=dict, blank=True, help_text='{"3": "Inclusion numérique"}')

    class Meta:
        verbose_name = "programme budgétaire"
        verbose_name_plural = "programmes budgétaires"
        ordering = ["code"]

    def __str__(self):
        return f"P{self.code} — {self.label}"


class BudgetLine(models.Model):
    """The credits of a programme (and action) for a fiscal year, in one version: the bill or the final budget."""

    programme = models.ForeignKey(
        BudgetProgramme, verbose_name="programme", on_delete=models.PROTECT, related_name="lines"
    )
    action = models.CharField("action", max_length=10, blank=True)
    fiscal_year = models.PositiveSmallIntegerField("exercice")
    version = models.CharField("version", max_length=10, choices=BudgetVersion.choices)
    ae = models.PositiveBigIntegerField("autorisations d'engagement (€)")
    cp = models.PositiveBigIntegerField("crédits de paiement (€)")
    source = models.TextField("source", blank=True)

    class Meta:
        verbose_name = "ligne budgétaire"
        verbose_name_plural = "lignes budgétaires"
        ordering = ["fiscal_year", "programme__code", "action", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "action", "fiscal_year", "version"], name="unique_budget_line_version"
            ),
        ]

    def __str__(self):
        action = f" action {self.action}" if self.action else ""
        return f"P{self.programme.code}{action} — {self.fiscal_year} ({self.get_version_display()})"

    def credits(self, kind: str) -> int:
        return self.ae if kind == CreditKind.AE else self.cp


class GrantScheme(models.Model):
    """The grant a post receives in a phase, by employer kind: one tranche per year of the convention."""

    code = models.CharField("code", max_length=30, unique=True)
    phase = models.PositiveSmallIntegerField("phase", choices=Phase.choices)
    employer_kind = models.CharField("employeur", max_length=10, choices=EmployerKind.choices)
    label = models.CharField("intitulé", max_length=200)
    duration_months = models.PositiveSmallIntegerField("durée de la convention (mois)")
    payment_timing = models.CharField(
        "versement", max_length=5, choices=PaymentTiming.choices, default=PaymentTiming.START
    )
    state_costs = models.JSONField("coûts pris en charge par l'État (€ par conseiller)", default=dict, blank=True)
    source = models.TextField("source", blank=True)

    class Meta:
        verbose_name = "barème de subvention"
        verbose_name_plural = "barèmes de subvention"
        ordering = ["phase", "employer_kind"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "employer_kind"], name="unique_grant_scheme_phase_kind"),
        ]

    def __str__(self):
        return self.label

    def as_schedule_scheme(self) -> Scheme:
        """The pure description cnum.funding.schedules computes with."""
        return Scheme(
            code=self.code,
            payment=self.payment_timing,
            tranches=tuple(
                Tranche(
                    months=t.months,
                    amount=t.amount,
                    zone_bonus=t.zone_bonus,
                    overseas_amounts=tuple(sorted(t.overseas_amounts.items())),
                )
                for t in self.tranches.all()
            ),
        )

    @classmethod
    def for_post(cls, *, phase: int, structure: Structure) -> "GrantScheme":
        kind = EmployerKind.PUBLIC if structure.is_public else EmployerKind.PRIVATE
        return cls.objects.prefetch_related("tranches").get(phase=phase, employer_kind=kind)


class GrantSchemeTranche(models.Model):
    scheme = models.ForeignKey(GrantScheme, verbose_name="barème", on_delete=models.CASCADE, related_name="tranches")
    rank = models.PositiveSmallIntegerField("année")
    months = models.PositiveSmallIntegerField("mois couverts")
    amount = models.PositiveIntegerField("montant (€)")
    zone_bonus = models.PositiveIntegerField("bonus QPV/ZRR (€)", default=0)
    overseas_amounts = models.JSONField(
        "montants outre-mer (€)", default=dict, blank=True, help_text='{"971": 35000, …} : remplace le montant.'
    )

    class Meta:
        verbose_name = "tranche annuelle"
        verbose_name_plural = "tranches annuelles"
        ordering = ["scheme", "rank"]
        constraints = [models.UniqueConstraint(fields=["scheme", "rank"], name="unique_tranche_rank")]

    def __str__(self):
        return f"{self.scheme.code} année {self.rank}"


class ConventionQuerySet(models.QuerySet):
    def signed(self):
        return self.exclude(status=ConventionStatus.DRAFT)

    def visible_to(self, user):
        """Conventions of the structures the user's active role sees (cnum.structures.perms)."""
        return self.filter(structure__in=Structure.objects.visible_to(user))

    def with_totals(self):
        return self.annotate(
            posts_count=models.Count("posts", distinct=True),
            paid_total=Sum("posts__instalments__amount", filter=Q(posts__instalments__status=InstalmentStatus.PAID)),
        )


class Convention(models.Model):
    """A funding agreement between the State operator and an employer, for some of its posts, in one phase."""

    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="funding_conventions"
    )
    number = models.CharField("numéro", max_length=30, blank=True)
    phase = models.PositiveSmallIntegerField("phase", choices=Phase.choices)
    scheme = models.ForeignKey(GrantScheme, verbose_name="barème", on_delete=models.PROTECT, related_name="+")
    start = models.DateField("début")
    end = models.DateField("fin", help_text="Dernier jour inclus.")
    status = models.CharField(
        "statut", max_length=12, choices=ConventionStatus.choices, default=ConventionStatus.DRAFT
    )
    signed_on = models.DateField("signée le", null=True, blank=True)
    committed_amount = models.PositiveBigIntegerField(
        "engagement (AE, €)", default=0, help_text="Total des subventions prévues, engagé à la signature."
    )
    terminated_on = models.DateField("résiliée le", null=True, blank=True)

    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        verbose_name_plural = "conventions"
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="funding_convention_end_after_start"),
        ]

    def __str__(self):
        return f"Convention {self.number or self.pk} — phase {self.phase} — {self.structure}"

    def get_absolute_url(self):
        return reverse("funding:convention_detail", args=[self.pk])

    def state_on(self, day: datetime.date | None = None) -> str:
        """What to show: brouillon, résiliée, signée (not started yet), en cours or terminée on `day`."""
        day = day or timezone.localdate()
        if self.status != ConventionStatus.SIGNED:
            return self.get_status_display()
        if day < self.start:
            return "Signée"
        return "En cours" if day <= self.end else "Terminée"


class ConventionPost(models.Model):
    """A post covered by a convention, from `start` (a post may join mid-convention) to `end`."""

    convention = models.ForeignKey(
        Convention, verbose_name="convention", on_delete=models.CASCADE, related_name="posts"
    )
    post = models.ForeignKey(Post, verbose_name="poste", on_delete=models.PROTECT, related_name="funding")
    in_qpv = models.BooleanField("en QPV", default=False)
    in_zrr = models.BooleanField("en ZRR/FRR", default=False)
    start = models.DateField("début")
    end = models.DateField("fin", help_text="Dernier jour inclus.")

    class Meta:
        verbose_name = "poste conventionné"
        verbose_name_plural = "postes conventionnés"
        ordering = ["convention", "start", "post_id"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "post"], name="unique_convention_post"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="funding_conventionpost_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.post} — {self.convention}"

    @property
    def in_zone(self) -> bool:
        return self.in_qpv or self.in_zrr


class InstalmentQuerySet(models.QuerySet):
    def not_cancelled(self):
        return self.exclude(status=InstalmentStatus.CANCELLED)

    def due_in(self, fiscal_year: int):
        return self.filter(due_on__year=fiscal_year)


class Instalment(models.Model):
    """One payment (CP) of a post's grant: planned with its due date, then paid, or cancelled (post returned)."""

    convention_post = models.ForeignKey(
        ConventionPost, verbose_name="poste conventionné", on_delete=models.CASCADE, related_name="instalments"
    )
    rank = models.PositiveSmallIntegerField("année de convention")
    due_on = models.DateField("échéance")
    amount = models.PositiveIntegerField("montant (€)")
    months = models.PositiveSmallIntegerField("mois financés")
    status = models.CharField(
        "statut", max_length=10, choices=InstalmentStatus.choices, default=InstalmentStatus.PLANNED
    )
    paid_on = models.DateField("versé le", null=True, blank=True)

    objects = InstalmentQuerySet.as_manager()

    class Meta:
        verbose_name = "versement"
        verbose_name_plural = "versements"
        ordering = ["due_on", "convention_post_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["convention_post", "rank"], name="unique_instalment_rank"),
            models.CheckConstraint(
                condition=Q(status=InstalmentStatus.PAID, paid_on__isnull=False) | ~Q(status=InstalmentStatus.PAID),
                name="funding_paid_instalment_has_date",
            ),
        ]

    def __str__(self):
        return f"Versement {self.rank} du {self.due_on:%d/%m/%Y} — {self.amount} €"


class SimulationScenario(models.Model):
    """A saved budget simulation: its inputs and a snapshot of its results, to compare scenarios later."""

    name = models.CharField("nom", max_length=150)
    fiscal_year = models.PositiveSmallIntegerField("exercice")
    credits = models.PositiveBigIntegerField("crédits (€)")
    credit_kind = models.CharField("nature des crédits", max_length=2, choices=CreditKind.choices)
    rule = models.CharField("règle de priorité", max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    results = models.JSONField("résultats", default=dict)

    class Meta:
        verbose_name = "scénario budgétaire"
        verbose_name_plural = "scénarios budgétaires"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class CampaignQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(sent_at__isnull=False)


class Campaign(models.Model):
    """A renewal campaign: new terms offered to the structures whose conventions end, answered in the app before
    a deadline (docs/funding.md "Campagnes de renouvellement")."""

    name = models.CharField("nom", max_length=150)
    terms = models.TextField("nouvelles conditions", help_text="Le texte des conditions proposées aux structures.")
    scheme = models.ForeignKey(
        GrantScheme, verbose_name="barème proposé", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    deadline = models.DateField("date limite de réponse", help_text="Dernier jour pour répondre, inclus.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="créée par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    site_url = models.URLField("adresse du service", blank=True, help_text="Pour les liens des courriels.")
    structures = models.ManyToManyField(
        Structure, verbose_name="structures concernées", through="CampaignTarget", related_name="+"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne de renouvellement"
        verbose_name_plural = "campagnes de renouvellement"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("funding:campaign_detail", args=[self.pk])

    def is_open(self, day: datetime.date | None = None) -> bool:
        """Sent and not past its deadline: answers may still be given or changed."""
        return self.sent_at is not None and (day or timezone.localdate()) <= self.deadline


class CampaignTarget(models.Model):
    """A structure a campaign is sent to, with the posts its ending conventions cover (kept or returned)."""

    campaign = models.ForeignKey(Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="targets")
    structure = models.ForeignKey(Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="+")
    posts = models.PositiveSmallIntegerField("postes concernés")
    convention_end = models.DateField("fin de convention")

    class Meta:
        verbose_name = "structure concernée"
        verbose_name_plural = "structures concernées"
        ordering = ["campaign", "structure__name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "structure"], name="unique_campaign_target")]

    def __str__(self):
        return f"{self.structure} — {self.campaign}"


class CampaignResponse(models.Model):
    """A structure's answer to a campaign; it may change it until the deadline."""

    campaign = models.ForeignKey(Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="responses")
    structure = models.ForeignKey(Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField("décision", max_length=10, choices=CampaignDecision.choices)
    posts_requested = models.PositiveSmallIntegerField("postes demandés", default=0)
    advisor_choice = models.CharField("conseillers", max_length=10, choices=AdvisorChoice.choices, blank=True)
    new_advisors = models.PositiveSmallIntegerField("postes à pourvoir par un nouveau conseiller", default=0)
    reason = models.CharField(
        "motif du non-renouvellement", max_length=15, choices=NonRenewalReason.choices, blank=True
    )
    comment = models.TextField("commentaire", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="répondu par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField("répondu le")

    class Meta:
        verbose_name = "réponse à une campagne"
        verbose_name_plural = "réponses aux campagnes"
        ordering = ["campaign", "structure_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "structure"], name="unique_campaign_response"),
            models.CheckConstraint(
                condition=Q(decision=CampaignDecision.RENEW, posts_requested__gt=0, reason="")
                | Q(decision=CampaignDecision.NOT_RENEW, posts_requested=0) & ~Q(reason=""),
                name="funding_campaign_response_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.structure} — {self.get_decision_display()}"


class CampaignMessage(models.Model):
    """An e-mail of a campaign sent to a structure: remembered so that each kind leaves once (idempotent runs)."""

    campaign = models.ForeignKey(Campaign, verbose_name="campagne", on_delete=models.CASCADE, related_name="messages")
    structure = models.ForeignKey(Structure, verbose_name="structure", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("courriel", max_length=15, choices=CampaignMessageKind.choices)
    recipient = models.EmailField("destinataire")
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)

    class Meta:
        verbose_name = "courriel de campagne"
        verbose_name_plural = "courriels de campagne"
        ordering = ["campaign", "sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "structure", "kind"], name="unique_campaign_message")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.structure}"
