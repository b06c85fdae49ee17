"""Advisors (conseillers numériques), their employment contracts, the sites they work in, their teams and trainings.

Periods are inclusive: a contract, site assignment, team membership or training runs from `start` to `end`, its last
day, both included; an empty `end` means open-ended. Who sees what is decided in cnum.advisors.perms.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from cnum.advisors.enums import (
    CertificationOutcome,
    ContractEndReason,
    ContractKind,
    MembershipStatus,
    TrainingKind,
)
from cnum.core import prepared
from cnum.core.writes import Gateway, GatewayQuerySet
from cnum.sites.models import Site
from cnum.structures.enums import PostStatus
from cnum.structures.models import Post, Structure

PIX_MAX_LEVEL = 8


def _day(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


class PeriodQuerySet(models.QuerySet):
    """Rows that run from `start` to an optional inclusive `end`."""

    def current(self, on: datetime.date | None = None):
        """Rows running on `on` (today by default)."""
        on = _day(on)
        return self.filter(Q(end__isnull=True) | Q(end__gte=on), start__lte=on)

    def ended(self, on: datetime.date | None = None):
        """Rows whose last day is before `on` (today by default)."""
        return self.filter(end__lt=_day(on))

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        """Rows sharing at least one day with the period [start, end] (end None: open-ended)."""
        rows = self.filter(Q(end__isnull=True) | Q(end__gte=start))
        return rows if end is None else rows.filter(start__lte=end)


class Period(models.Model):
    start = models.DateField("début")
    end = models.DateField("fin", null=True, blank=True, help_text="Dernier jour inclus ; vide si sans date de fin.")

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message="La date de fin doit être postérieure ou égale à la date de début.",
            ),
        ]

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = _day(on)
        return self.start <= on and (self.end is None or self.end >= on)

    def has_ended(self, on: datetime.date | None = None) -> bool:
        return self.end is not None and self.end < _day(on)

    def clean(self):
        errors = self.period_errors()
        if errors:
            raise ValidationError(errors)

    def period_errors(self) -> dict[str, list[str]]:
        if self.start and self.end and self.end < self.start:
            return {"end": ["La date de fin doit être postérieure ou égale à la date de début."]}
        return {}

    def _overlapping_siblings(self, **same):
        """Other rows of the same kind, sharing `same` values, whose period overlaps this one."""
        if self.start is None or any(value is None for value in same.values()):
            return type(self).objects.none()
        return type(self).objects.filter(**same).exclude(pk=self.pk).overlapping(self.start, self.end)


class AdvisorQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Defined in cnum.advisors.perms (scopes by role); kept here so every caller finds it on the model."""
        from cnum.advisors.perms import visible_advisors

        return visible_advisors(self, user)

    def search(self, text: str):
        """Every word of `text` in the first name, last name or e-mail."""
        advisors = self
        for word in text.split():
            advisors = advisors.filter(
                Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            )
        return advisors

    def in_post(self, on: datetime.date | None = None):
        """Advisors holding a contract on `on` (today by default)."""
        return self.filter(pk__in=Contract.objects.current(on).values("advisor_id"))

    def without_contract(self, on: datetime.date | None = None):
        return self.exclude(pk__in=Contract.objects.current(on).values("advisor_id"))

    def with_current_contracts(self, on: datetime.date | None = None):
        """Prefetch `advisor.current_contracts`, with their structure, département and post."""
        contracts = Contract.objects.current(on).select_related("structure__departement", "post")
        return self.prefetch_related(Prefetch("contracts", queryset=contracts, to_attr="current_contracts"))


class Advisor(models.Model):
    """A conseiller numérique: the person, whoever employs them now (see `contracts`)."""

    first_name = models.CharField("prénom", max_length=150)
    last_name = models.CharField("nom", max_length=150)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="compte utilisateur",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advisor",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = AdvisorQuerySet.as_manager()

    class Meta:
        verbose_name = "conseiller numérique"
        verbose_name_plural = "conseillers numériques"
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=~Q(email=""),
                name="unique_advisor_email",
                violation_error_message="Un conseiller avec cette adresse électronique existe déjà.",
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("advisors:detail", args=[self.pk])

    def clean(self):
        # Addresses are compared without case (as accounts.User does): normalise before the uniqueness check.
        self.email = self.email.strip().lower()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContractQuerySet(PeriodQuerySet):
    pass


class Contract(Period):
    """An advisor's employment contract with a structure, usually on one of its State co-funded posts.

    Rules (checked by `clean`, so by every form and by the services): the end is not before the start; the post
    belongs to the employer; a contrat de projet public is for public employers only; a post holds at most one
    contract on any day; a returned post takes no new contract;
    a contract that has ended says why (DOMAIN.md "Contracts" end reasons). Start and end contracts with
    cnum.advisors.services, which keeps `Post.vacant_since` true.
    """

    advisor = models.ForeignKey(Advisor, verbose_name="conseiller", on_delete=models.CASCADE, related_name="contracts")
    structure = models.ForeignKey(
        Structure, verbose_name="structure employeuse", on_delete=models.PROTECT, related_name="contracts"
    )
    post = models.ForeignKey(
        Post,
        verbose_name="poste",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        help_text="Le poste conventionné que le contrat occupe ; vide si le contrat n'en occupe aucun.",
    )
    kind = models.CharField("type de contrat", max_length=20, choices=ContractKind.choices)
    end_reason = models.CharField("motif de fin", max_length=30, choices=ContractEndReason.choices, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta(Period.Meta):
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        ordering = ["-start", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.advisor} chez {self.structure}"

    @classmethod
    def from_db(cls, db, field_names, values):
        contract = super().from_db(db, field_names, values)
        # Remembered so that moving a contract to another post also frees the post it leaves (services.py).
        contract._loaded_post_id = contract.__dict__.get("post_id")
        return contract

    def clean(self):
        errors = self.period_errors()
        self._check_end_reason(errors)
        self._check_kind(errors)
        if self.post_id is not None:
            self._check_post(errors)
        if errors:
            raise ValidationError(errors)

    def _check_end_reason(self, errors):
        if self.end_reason and self.end is None:
            errors.setdefault("end", []).append("Indiquez la date de fin du contrat pour en donner le motif.")
        if self.end is not None and self.has_ended() and not self.end_reason:
            errors.setdefault("end_reason", []).append("Indiquez le motif de fin d'un contrat terminé.")
        if self.kind == ContractKind.CDI and self.end_reason in ContractEndReason.fixed_term_only():
            errors.setdefault("end_reason", []).append("Ce motif ne s'applique pas à un CDI.")

    def _check_kind(self, errors):
        if self.kind and self.structure_id is not None:
            if self.kind not in ContractKind.kinds_for(public=self.structure.is_public):
                errors.setdefault("kind", []).append(
                    f"Un « {self.get_kind_display()} » est réservé aux employeurs publics : "
                    f"{self.structure} est un employeur privé."
                )

    def _check_post(self, errors):
        post = self.post
        if self.structure_id is not None and post.structure_id != self.structure_id:
            errors.setdefault("post", []).append("Ce poste n'appartient pas à la structure employeuse.")
        if post.status == PostStatus.RETURNED and self._state.adding:
            errors.setdefault("post", []).append("Ce poste a été rendu : il ne peut plus accueillir de contrat.")
        elif post.returned_on and self.start and self.start > post.returned_on:
            returned = post.returned_on.strftime("%d/%m/%Y")
            message = f"Ce poste a été rendu le {returned} : le contrat doit commencer avant."
            errors.setdefault("start", []).append(message)
        other = self._overlapping_siblings(post_id=self.post_id).select_related("advisor").first()
        if other is not None:
            errors.setdefault("post", []).append(
                f"Ce poste est déjà occupé par {other.advisor} ({other.period_label}) : "
                "un poste ne porte qu'un contrat à la fois."
            )

    @property
    def period_label(self) -> str:
        start = self.start.strftime("%d/%m/%Y")
        return f"depuis le {start}" if self.end is None else f"du {start} au {self.end.strftime('%d/%m/%Y')}"


class SiteAssignment(Period):
    """An advisor works in a site (lieu d'activité, permanence) over a period."""

    advisor = models.ForeignKey(
        Advisor, verbose_name="conseiller", on_delete=models.CASCADE, related_name="site_assignments"
    )
    site = models.ForeignKey(
        Site, verbose_name="lieu d'activité", on_delete=models.CASCADE, related_name="assignments"
    )

    objects = PeriodQuerySet.as_manager()

    class Meta(Period.Meta):
        verbose_name = "rattachement à un lieu"
        verbose_name_plural = "rattachements à des lieux"
        ordering = ["-start", "-id"]

    def __str__(self):
        return f"{self.advisor} — {self.site}"

    def clean(self):
        super().clean()
        if self._overlapping_siblings(advisor_id=self.advisor_id, site_id=self.site_id).exists():
            raise ValidationError("Ce conseiller est déjà rattaché à ce lieu sur une partie de cette période.")


class TeamQuerySet(GatewayQuerySet):
    def visible_to(self, user):
        from cnum.advisors.perms import visible_teams

        return visible_teams(self, user)

    def with_current_member_count(self, on: datetime.date | None = None):
        on = _day(on)
        current = Q(memberships__start__lte=on) & (Q(memberships__end__isnull=True) | Q(memberships__end__gte=on))
        accepted = Q(memberships__status=MembershipStatus.ACCEPTED)
        return self.annotate(current_member_count=models.Count("memberships", filter=current & accepted))


class Team(Gateway):
    """A coordinator and the advisors they coordinate (members come and go: see TeamMembership)."""

    name = models.CharField("nom", max_length=200)
    structure = models.ForeignKey(
        Structure,
        verbose_name="structure porteuse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams",
    )
    coordinator = models.ForeignKey(
        Advisor, verbose_name="coordinateur", on_delete=models.PROTECT, related_name="coordinated_teams"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = "équipe"
        verbose_name_plural = "équipes"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("advisors:team_detail", args=[self.pk])


class TeamMembershipQuerySet(GatewayQuerySet, PeriodQuerySet):
    def accepted(self):
        """Memberships the advisor or their employer accepted: the only ones that give the coordinator access."""
        return self.filter(status=MembershipStatus.ACCEPTED)

    def requested(self):
        return self.filter(status=MembershipStatus.REQUESTED)


class TeamMembership(Gateway, Period):
    """An advisor belongs to a team over a period; the coordinator sees them only while it runs, and only once the
    advisor or a manager of their employer has accepted it (`status`; cnum.advisors.services.membership_decide)."""

    team = models.ForeignKey(Team, verbose_name="équipe", on_delete=models.CASCADE, related_name="memberships")
    advisor = models.ForeignKey(
        Advisor, verbose_name="conseiller", on_delete=models.CASCADE, related_name="team_memberships"
    )
    status = models.CharField(
        "statut", max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="acceptée ou refusée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("acceptée ou refusée le", null=True, blank=True)

    objects = TeamMembershipQuerySet.as_manager()

    class Meta(Period.Meta):
        verbose_name = "appartenance à une équipe"
        verbose_name_plural = "appartenances à des équipes"
        ordering = ["-start", "-id"]

    def __str__(self):
        return f"{self.advisor} — {self.team}"

    def clean(self):
        super().clean()
        siblings = self._overlapping_siblings(team_id=self.team_id, advisor_id=self.advisor_id)
        # A refused request does not keep the team from asking again.
        if siblings.exclude(status=MembershipStatus.REFUSED).exists():
            raise ValidationError("Ce conseiller fait déjà partie de cette équipe sur une partie de cette période.")

    @property
    def is_accepted(self) -> bool:
        return self.status == MembershipStatus.ACCEPTED

    @property
    def is_requested(self) -> bool:
        return self.status == MembershipStatus.REQUESTED


class Training(Period):
    """A training an advisor followed: the initial one (paid by the State) or continuing ones."""

    advisor = models.ForeignKey(Advisor, verbose_name="conseiller", on_delete=models.CASCADE, related_name="trainings")
    kind = models.CharField("type de formation", max_length=20, choices=TrainingKind.choices)
    hours = models.DecimalField(
        "durée (heures)", max_digits=5, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    provider = models.CharField("organisme de formation", max_length=255, blank=True)
    certification = models.CharField(
        "certification",
        max_length=20,
        choices=CertificationOutcome.choices,
        default=CertificationOutcome.NOT_APPLICABLE,
    )
    pix_level = models.PositiveSmallIntegerField(
        "niveau Pix",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(PIX_MAX_LEVEL)],
        help_text=f"De 0 à {PIX_MAX_LEVEL}.",
    )

    objects = PeriodQuerySet.as_manager()

    class Meta(Period.Meta):
        verbose_name = "formation"
        verbose_name_plural = "formations"
        ordering = ["-start", "-id"]
        constraints = [
            *Period.Meta.constraints,
            models.CheckConstraint(
                condition=Q(pix_level__isnull=True) | Q(pix_level__lte=PIX_MAX_LEVEL),
                name="advisors_training_pix_level_range",
                violation_error_message=f"Le niveau Pix va de 0 à {PIX_MAX_LEVEL}.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.advisor}"


#: A user's Advisor (the reverse of Advisor.user), read at every recording: compiled once (cnum.core.prepared).
_ADVISOR_OF_USER = prepared.Prepared(
    lambda user_id: Advisor.objects.filter(user_id=user_id).order_by().values_list(*prepared.columns(Advisor))[:1],
    user_id=int,
)


def advisor_of(user) -> Advisor | None:
    """`user.advisor`, or None: read by a statement compiled once, and kept on the user as the ORM keeps it (a
    second `user.advisor` reads nothing)."""
    if user.pk is None:
        return None
    relation = Advisor._meta.get_field("user")
    if not relation.remote_field.is_cached(user):
        row = _ADVISOR_OF_USER.first(user_id=user.pk)
        advisor = prepared.instance(Advisor, row) if row else None
        relation.remote_field.set_cached_value(user, advisor)
        if advisor is not None:
            relation.set_cached_value(advisor, user)
    return getattr(user, "advisor", None)
