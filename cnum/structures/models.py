"""Employer structures, the posts the State co-funds in them, and the decisions that grant or return posts."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from cnum.core.writes import Gateway, GatewayQuerySet
from cnum.structures.enums import (
    AmendmentKind,
    ApplicationStatus,
    ConventionStatus,
    CoselecOutcome,
    Decision,
    IdentifierKind,
    Opinion,
    Phase,
    PostStatus,
    StructureType,
)
from cnum.structures.identifiers import format_identifier
from cnum.territories.models import Commune, Departement, Region

#: DOMAIN.md: "a post vacant > 6 months is returned".
VACANCY_RETURN_MONTHS = 6


class Hub(models.Model):
    """A regional network of digital inclusion (hub territorial), covering régions or départements."""

    name = models.CharField("nom", max_length=100, unique=True)
    regions = models.ManyToManyField(Region, verbose_name="régions", blank=True, related_name="hubs")
    departements = models.ManyToManyField(Departement, verbose_name="départements", blank=True, related_name="hubs")

    class Meta:
        verbose_name = "hub territorial"
        verbose_name_plural = "hubs territoriaux"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def departement_codes(self) -> set[str]:
        """Départements the hub covers: those listed, plus every département of its régions."""
        codes = set(self.departements.values_list("code", flat=True))
        codes |= set(Departement.objects.filter(region__in=self.regions.all()).values_list("code", flat=True))
        return codes

    @classmethod
    def departement_map(cls) -> dict[int, set[str]]:
        """Every hub's départements (as departement_codes), in two queries whatever the number of hubs."""
        codes: dict[int, set[str]] = {pk: set() for pk in cls.objects.values_list("pk", flat=True)}
        for hub_id, code in cls.departements.through.objects.values_list("hub_id", "departement_id"):
            codes[hub_id].add(code)
        for hub_id, code in Departement.objects.filter(region__hubs__isnull=False).values_list("region__hubs", "code"):
            codes[hub_id].add(code)
        return codes


class Network(Gateway):
    """A national network (grand réseau) that employer structures belong to."""

    name = models.CharField("nom", max_length=150, unique=True)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        verbose_name = "réseau national"
        verbose_name_plural = "réseaux nationaux"
        ordering = ["name"]

    def __str__(self):
        return self.name


class StructureQuerySet(GatewayQuerySet):
    def public(self):
        return self.filter(type__in=StructureType.public_types())

    def private(self):
        return self.exclude(type__in=StructureType.public_types())

    def in_departements(self, codes):
        return self.filter(departement_id__in=codes)

    def in_region(self, region_code: str):
        return self.filter(departement__region_id=region_code)

    def search(self, text: str):
        """Name, identifier (as typed, with spaces or dots) or commune name containing `text`."""
        text = text.strip()
        if not text:
            return self
        compact = "".join(char for char in text if char.isalnum()).upper()
        matches = models.Q(name__icontains=text) | models.Q(commune__name__icontains=text)
        if compact:
            matches |= models.Q(identifier__contains=compact)
        return self.filter(matches)

    def with_active_posts_count(self):
        return self.annotate(
            active_posts_count=models.Count("posts", filter=models.Q(posts__status=PostStatus.ACTIVE), distinct=True)
        )

    def visible_to(self, user):
        """Defined in cnum.structures.perms (scopes by role); kept here so every caller finds it on the model."""
        from cnum.structures.perms import visible_structures

        return visible_structures(self, user)


class Structure(Gateway):
    """An employer of advisors: a local authority or a private body (association, company…)."""

    name = models.CharField("nom", max_length=255)
    identifier = models.CharField("SIRET, RIDET ou RNA", max_length=14, blank=True, db_index=True)
    identifier_kind = models.CharField(
        "type d'identifiant", max_length=5, choices=IdentifierKind.choices, default=IdentifierKind.SIRET
    )
    type = models.CharField("type de structure", max_length=20, choices=StructureType.choices)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name="commune", null=True, blank=True, on_delete=models.PROTECT, related_name="structures"
    )
    departement = models.ForeignKey(
        Departement,
        verbose_name="département",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="structures",
        help_text="Déduit de la commune ; sert au périmètre des préfectures et des hubs.",
    )
    qpv = models.BooleanField("en quartier prioritaire (QPV)", default=False)
    zrr = models.BooleanField("en zone de revitalisation rurale (ZRR/FRR)", default=False)
    france_services = models.BooleanField("labellisée France Services", default=False)
    hub = models.ForeignKey(
        Hub,
        verbose_name="hub territorial",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="structures",
    )
    networks = models.ManyToManyField(
        Network, verbose_name="réseaux nationaux", blank=True, related_name="structures", through="StructureNetwork"
    )
    contact_first_name = models.CharField("prénom du contact", max_length=100, blank=True)
    contact_last_name = models.CharField("nom du contact", max_length=100, blank=True)
    contact_role = models.CharField("fonction du contact", max_length=150, blank=True)
    contact_email = models.EmailField("courriel du contact", blank=True)
    contact_phone = models.CharField("téléphone du contact", max_length=20, blank=True)
    application_status = models.CharField(
        "statut de la candidature", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.CREATED
    )
    convention_status = models.CharField(
        "statut du conventionnement", max_length=20, choices=ConventionStatus.choices, blank=True
    )
    source = models.CharField("source", max_length=100, blank=True)
    source_id = models.CharField("identifiant dans la source", max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"], condition=~models.Q(identifier=""), name="unique_structure_identifier"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The département follows the commune, also when the commune changes.
        if self.commune_id and self.commune.departement_id != self.departement_id:
            self.departement_id = self.commune.departement_id
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("structures:detail", args=[self.pk])

    @property
    def identifier_display(self) -> str:
        return format_identifier(self.identifier_kind, self.identifier)

    @property
    def is_public(self) -> bool:
        return self.type in StructureType.public_types()

    @property
    def siren(self) -> str:
        return self.identifier[:9] if self.identifier_kind == IdentifierKind.SIRET else ""


class StructureNetwork(Gateway):
    """A structure's membership of a national network (the table Django created for `Structure.networks`, declared
    so that its writes — `structure.networks.add()`, imports — go through the gateway of cnum.core.writes)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE)
    network = models.ForeignKey(Network, on_delete=models.CASCADE)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        db_table = "structures_structure_networks"
        unique_together = [("structure", "network")]
        verbose_name = "appartenance à un réseau national"
        verbose_name_plural = "appartenances à des réseaux nationaux"

    def __str__(self):
        return f"{self.structure_id} ∈ {self.network_id}"


class CoselecDecision(models.Model):
    """A decision of the national selection committee (COSELEC) on a structure's application."""

    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.CASCADE, related_name="coselec_decisions"
    )
    number = models.CharField("numéro de COSELEC", max_length=30, blank=True)
    date = models.DateField("date")
    phase = models.PositiveSmallIntegerField("phase", choices=Phase.choices)
    outcome = models.CharField("avis", max_length=10, choices=CoselecOutcome.choices, default=CoselecOutcome.APPROVED)
    posts_granted = models.PositiveSmallIntegerField("postes accordés", default=0)
    comment = models.TextField("commentaire", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "décision COSELEC"
        verbose_name_plural = "décisions COSELEC"
        ordering = ["-date", "-id"]

    def __str__(self):
        # A format spec after `or` would apply to the number too: format the date on its own.
        return f"COSELEC {self.number or f'{self.date:%d/%m/%Y}'} — {self.structure}"


class PostQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=PostStatus.ACTIVE)

    def vacant(self):
        return self.active().filter(vacant_since__isnull=False)

    def vacant_for_return(self, *, today: datetime.date | None = None):
        """Active posts vacant for more than VACANCY_RETURN_MONTHS months (DOMAIN.md funding rules)."""
        return self.vacant().filter(
            vacant_since__lt=months_before(today or timezone.localdate(), VACANCY_RETURN_MONTHS)
        )

    def visible_to(self, user):
        return self.filter(structure__in=Structure.objects.visible_to(user))


def months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))


class Post(models.Model):
    """One State co-funded post in a structure: the unit of funding.

    `vacant_since` is kept by the advisors app as contracts start and end (the registry's lower layer cannot see
    contracts); the current holder is `post.contracts.current()`.
    """

    structure = models.ForeignKey(Structure, verbose_name="structure", on_delete=models.CASCADE, related_name="posts")
    granted_by = models.ForeignKey(
        CoselecDecision,
        verbose_name="accordé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    phase = models.PositiveSmallIntegerField("phase", choices=Phase.choices, default=Phase.PHASE_1)
    granted_on = models.DateField("accordé le")
    status = models.CharField("statut", max_length=10, choices=PostStatus.choices, default=PostStatus.ACTIVE)
    returned_on = models.DateField("rendu le", null=True, blank=True)
    vacant_since = models.DateField("vacant depuis", null=True, blank=True)
    added_by = models.ForeignKey(
        "PostAmendment",
        verbose_name="ajouté par l'avenant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="added_posts",
    )
    returned_by = models.ForeignKey(
        "PostAmendment",
        verbose_name="rendu par l'avenant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="returned_posts",
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "poste"
        verbose_name_plural = "postes"
        ordering = ["structure", "granted_on", "id"]

    def __str__(self):
        return f"Poste n° {self.pk} — {self.structure}"

    def is_flagged_for_return(self, *, today: datetime.date | None = None) -> bool:
        """True when the post has been vacant for more than 6 months (DOMAIN.md: it is then returned)."""
        if self.status != PostStatus.ACTIVE or self.vacant_since is None:
            return False
        return self.vacant_since < months_before(today or timezone.localdate(), VACANCY_RETURN_MONTHS)


class PostAmendment(models.Model):
    """A request to add or give back posts: the prefecture gives its opinion, then the programme team decides."""

    structure = models.ForeignKey(
        Structure, verbose_name="structure", on_delete=models.CASCADE, related_name="amendments"
    )
    kind = models.CharField("nature", max_length=10, choices=AmendmentKind.choices)
    posts_count = models.PositiveSmallIntegerField("nombre de postes")
    requested_on = models.DateField("demandé le", default=timezone.localdate)
    reason = models.TextField("motif", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    prefecture_opinion = models.CharField("avis de la préfecture", max_length=15, choices=Opinion.choices, blank=True)
    prefecture_comment = models.TextField("commentaire de la préfecture", blank=True)
    opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="avis donné par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opinion_at = models.DateTimeField("avis donné le", null=True, blank=True)
    decision = models.CharField(
        "décision nationale", max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_on = models.DateField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "avenant (postes)"
        verbose_name_plural = "avenants (postes)"
        ordering = ["-requested_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.posts_count}) — {self.structure}"

    @property
    def is_decided(self) -> bool:
        return self.decision != Decision.PENDING

    @property
    def has_opinion(self) -> bool:
        return bool(self.prefecture_opinion)
