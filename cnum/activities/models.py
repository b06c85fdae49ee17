"""Activities (comptes rendus d'activité), the people accompanied, and each accompaniment.

Counting rules (docs/activities.md):
- an individual activity has exactly one accompaniment;
- a collective activity has one accompaniment per *followed* participant listed, and `anonymous_participants`
  more people counted only (total participants = listed + anonymous);
- a person's first accompaniment is flagged `is_first` (kept right by services when activities change);
  for anonymous collective participants, `anonymous_first_time` says how many came for the first time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from cnum.activities.enums import (
    ActivityType,
    AgeBracket,
    Autonomy,
    CoordinationKind,
    Genre,
    Level,
    PlaceType,
    Progress,
    RedirectionCategory,
    SocialStatus,
    TagScope,
    TagVisibility,
)
from cnum.advisors.models import Advisor, Team
from cnum.core.writes import Gateway, GatewayQuerySet
from cnum.sites.models import Site
from cnum.structures.models import Structure
from cnum.territories.models import Commune


class ActivityQuerySet(GatewayQuerySet):
    def visible_to(self, user):
        """Defined in cnum.activities.perms (scopes by role)."""
        from cnum.activities.perms import visible_activities

        return visible_activities(self, user)


class BeneficiaryQuerySet(GatewayQuerySet):
    def not_seen_since(self, day):
        """Followed people whose last accompaniment is before `day` (people never accompanied are not listed)."""
        return self.annotate(last_seen=models.Max("accompaniments__activity__date")).filter(last_seen__lt=day)

    def visible_to(self, user):
        """Only the owning advisor sees a beneficiary (cnum.activities.perms)."""
        from cnum.activities.perms import visible_beneficiaries

        return visible_beneficiaries(self, user)


class TagQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def usable_by(self, advisor):
        """Defined in cnum.activities.perms (public tags, and the private ones of the advisor's scopes)."""
        from cnum.activities.perms import usable_tags

        return usable_tags(self, advisor)

    def visible_to(self, user):
        """Defined in cnum.activities.perms: the tags whose figures the user may read."""
        from cnum.activities.perms import visible_tags

        return visible_tags(self, user)


class Tag(models.Model):
    """A label an advisor attaches to activities (a local project, a partnership, a campaign: issue #21), owned
    by the programme team, a structure or a coordinator's team. Archived tags keep their activities and figures
    but can no longer be attached."""

    name = models.CharField("nom", max_length=80)
    scope = models.CharField("propriétaire", max_length=10, choices=TagScope.choices)
    structure = models.ForeignKey(
        Structure, verbose_name="structure", null=True, blank=True, on_delete=models.PROTECT, related_name="tags"
    )
    team = models.ForeignKey(
        Team, verbose_name="équipe", null=True, blank=True, on_delete=models.PROTECT, related_name="tags"
    )
    visibility = models.CharField(
        "visibilité", max_length=8, choices=TagVisibility.choices, default=TagVisibility.PUBLIC
    )
    archived_at = models.DateTimeField("archivée le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        verbose_name = "étiquette"
        verbose_name_plural = "étiquettes"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=TagScope.NATIONAL, structure__isnull=True, team__isnull=True)
                    | Q(scope=TagScope.STRUCTURE, structure__isnull=False, team__isnull=True)
                    | Q(scope=TagScope.TEAM, structure__isnull=True, team__isnull=False)
                ),
                name="tag_owner_matches_scope",
            ),
            models.UniqueConstraint(
                Lower("name"), condition=Q(scope=TagScope.NATIONAL), name="unique_national_tag_name"
            ),
            models.UniqueConstraint(
                Lower("name"), "structure", condition=Q(scope=TagScope.STRUCTURE), name="unique_structure_tag_name"
            ),
            models.UniqueConstraint(
                Lower("name"), "team", condition=Q(scope=TagScope.TEAM), name="unique_team_tag_name"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_public(self) -> bool:
        return self.visibility == TagVisibility.PUBLIC

    def owner_label(self) -> str:
        if self.scope == TagScope.STRUCTURE:
            return str(self.structure)
        if self.scope == TagScope.TEAM:
            return str(self.team)
        return "Programme"


class Activity(Gateway):
    type = models.CharField("type", max_length=12, choices=ActivityType.choices)
    date = models.DateField("date", db_index=True)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    place_type = models.CharField("lieu", max_length=15, choices=PlaceType.choices)
    site = models.ForeignKey(
        Site,
        verbose_name="lieu d'activité",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,  # partial index in Meta
    )
    themes = models.JSONField("thématiques", default=list)
    demarche_themes = models.JSONField("thématiques de démarche", default=list, blank=True)
    equipment = models.JSONField("matériel utilisé", default=list, blank=True)
    autonomy = models.CharField("autonomie", max_length=25, choices=Autonomy.choices, blank=True)
    level = models.CharField("niveau de l'atelier", max_length=15, choices=Level.choices, blank=True)
    title = models.CharField("titre de l'atelier", max_length=200, blank=True)
    redirection_category = models.CharField(
        "orientation vers", max_length=40, choices=RedirectionCategory.choices, blank=True
    )
    redirection_site = models.ForeignKey(
        Site,
        verbose_name="lieu d'orientation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redirected_activities",
        db_index=False,  # partial index in Meta
    )
    redirection_other = models.CharField("autre lieu d'orientation", max_length=200, blank=True)
    notes = models.TextField("notes", blank=True)
    # Collective sessions: the people counted without being named.
    anonymous_participants = models.PositiveIntegerField("participants anonymes", default=0)
    anonymous_first_time = models.PositiveIntegerField("dont venus pour la première fois", default=0)
    anonymous_progressed = models.PositiveIntegerField("dont disent avoir progressé", default=0)
    anonymous_asked = models.PositiveIntegerField("dont interrogés sur leur progression", default=0)
    anonymous_breakdown = models.JSONField(
        "répartition des participants anonymes",
        default=dict,
        blank=True,
        help_text='{"genre": {"feminin": 3, …}, "tranche_age": {…}, "statut_social": {…}}',
    )
    # advisor and structure: the composite indexes of Meta lead with them and serve every look-up by them.
    advisor = models.ForeignKey(
        Advisor, verbose_name="conseiller", on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name="structure employeuse",
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    source = models.CharField("source", max_length=30, blank=True)
    source_id = models.CharField("identifiant dans la source", max_length=100, blank=True)
    tags = models.ManyToManyField(
        Tag, verbose_name="étiquettes", through="ActivityTag", blank=True, related_name="activities"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisi par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "activité"
        verbose_name_plural = "activités"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="unique_activity_source_id"
            ),
        ]
        # Every index is kept up on each of an import's million rows (docs/performance.md « Import »): no index
        # repeats the leading column of another, and the references most rows leave empty (an imported row has
        # no author; a commune only away from a site; an orientation rarely) are indexed where they are given:
        # a look-up by one of them (`= x`, `IN (…)`, the on-delete collectors) implies IS NOT NULL, so both
        # engines use the partial index.
        indexes = [
            models.Index(fields=["advisor", "-date"]),
            models.Index(fields=["structure", "date"]),
            models.Index(fields=["commune"], condition=Q(commune__isnull=False), name="activity_commune_given"),
            models.Index(
                fields=["redirection_site"],
                condition=Q(redirection_site__isnull=False),
                name="activity_redirection_given",
            ),
            models.Index(fields=["created_by"], condition=Q(created_by__isnull=False), name="activity_author_given"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} du {self.date:%d/%m/%Y}"


class Beneficiary(Gateway):
    """A person accompanied. Anonymous unless followed (with consent): then the personal data is their advisor's
    only. Erasure blanks the personal data and keeps the row, so the counts stay true."""

    advisor = models.ForeignKey(
        Advisor, verbose_name="conseiller", on_delete=models.PROTECT, related_name="beneficiaries"
    )
    is_followed = models.BooleanField("suivi", default=False)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    normalized_name = models.CharField(max_length=200, blank=True, editable=False)  # partial index in Meta
    birth_year = models.PositiveSmallIntegerField("année de naissance", null=True, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name="commune de résidence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta
    )
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("courriel", blank=True)
    consent_date = models.DateField("date du consentement", null=True, blank=True)
    genre = models.CharField("genre", max_length=15, choices=Genre.choices, default=Genre.UNKNOWN)
    age_bracket = models.CharField(
        "tranche d'âge", max_length=25, choices=AgeBracket.choices, default=AgeBracket.UNKNOWN
    )
    social_status = models.CharField(
        "statut", max_length=15, choices=SocialStatus.choices, default=SocialStatus.UNKNOWN
    )
    notes = models.TextField("notes", blank=True)
    erased_at = models.DateTimeField("anonymisé le", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "bénéficiaire"
        verbose_name_plural = "bénéficiaires"
        ordering = ["last_name", "first_name", "id"]
        # Only followed people have a name or a commune: the anonymous millions an import adds are left out.
        indexes = [
            models.Index(fields=["normalized_name"], condition=~Q(normalized_name=""), name="beneficiary_name_given"),
            models.Index(fields=["commune"], condition=Q(commune__isnull=False), name="beneficiary_commune_given"),
        ]

    def __str__(self):
        if self.is_followed and not self.erased_at:
            return f"{self.first_name} {self.last_name}".strip() or f"Bénéficiaire n° {self.pk}"
        return f"Bénéficiaire anonyme n° {self.pk}"

    def distinguishing_label(self) -> str:
        """The name with what tells namesakes apart (birth year, commune, end of the phone number), for the lists
        where an advisor picks a followed person. Reads `commune`: select it with the beneficiaries."""
        details = []
        if self.birth_year:
            details.append(f"né·e en {self.birth_year}")
        if self.commune_id:
            details.append(self.commune.name)
        digits = "".join(character for character in self.phone if character.isdigit())
        if len(digits) >= 4:
            details.append(f"tél. …{digits[-2:]}")
        if not details and self.email:
            details.append(self.email.split("@")[0][:3] + "…@…")
        return f"{self} ({', '.join(details)})" if details else str(self)


class Accompaniment(Gateway):
    """One person in one activity."""

    # Looked up by the unique constraint's index, which leads with the activity.
    activity = models.ForeignKey(
        Activity, verbose_name="activité", on_delete=models.CASCADE, related_name="accompaniments", db_index=False
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name="bénéficiaire", on_delete=models.PROTECT, related_name="accompaniments"
    )
    is_first = models.BooleanField("premier accompagnement de la personne", default=True)
    progressed = models.CharField(
        "dit avoir progressé", max_length=12, choices=Progress.choices, default=Progress.NOT_ASKED
    )

    objects = GatewayQuerySet.as_manager()

    class Meta:
        verbose_name = "accompagnement"
        verbose_name_plural = "accompagnements"
        constraints = [
            models.UniqueConstraint(fields=["activity", "beneficiary"], name="unique_accompaniment_per_activity"),
        ]

    def __str__(self):
        # The beneficiary's number, never their name: accompaniments show in pages other than their advisor's.
        return f"Bénéficiaire n° {self.beneficiary_id} — {self.activity}"


class ActivityTag(Gateway):
    """A tag on an activity. Its own model so that `activity.tags.add/remove/set/clear` go through the write
    gateway (they bulk-create and delete through this manager) and the figures by tag follow them (ADR 0006)."""

    activity = models.ForeignKey(Activity, verbose_name="activité", on_delete=models.CASCADE, related_name="+")
    # PROTECT: deleting a tag would drop its rows without the gateway; tags are archived instead.
    tag = models.ForeignKey(Tag, verbose_name="étiquette", on_delete=models.PROTECT, related_name="+")

    objects = GatewayQuerySet.as_manager()

    class Meta:
        verbose_name = "étiquette d'une activité"
        verbose_name_plural = "étiquettes des activités"
        constraints = [models.UniqueConstraint(fields=["activity", "tag"], name="unique_activity_tag")]

    def __str__(self):
        return f"{self.tag_id} — {self.activity_id}"


# --- Coordination activities -------------------------------------------------------------------------------------


class CoordinationActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Defined in cnum.activities.perms (a coordinator's team, the structures a role sees)."""
        from cnum.activities.perms import visible_coordination_activities

        return visible_coordination_activities(self, user)


class CoordinationActivity(models.Model):
    """What a coordinator does for its team besides accompanying people: meetings, events, trainings given.

    Its own table, never an Activity: it has no beneficiary and no accompaniment, so no statistic of the programme
    (accompaniments, people, rollups) ever counts it (docs/activities.md, "Activités de coordination")."""

    team = models.ForeignKey(
        Team, verbose_name="équipe", on_delete=models.PROTECT, related_name="coordination_activities"
    )
    structure = models.ForeignKey(
        Structure,
        verbose_name="structure porteuse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordination_activities",
        help_text="La structure porteuse de l'équipe le jour de la saisie.",
    )
    kind = models.CharField("type", max_length=25, choices=CoordinationKind.choices)
    date = models.DateField("date", db_index=True)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)")
    participants = models.PositiveIntegerField("nombre de participants", default=0)
    partners = models.CharField("partenaires", max_length=300, blank=True)
    notes = models.TextField("notes", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="saisi par",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("saisi le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = CoordinationActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "activité de coordination"
        verbose_name_plural = "activités de coordination"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["team", "-date"])]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y}"


# --- Reminders sent (owned by the send_reminders command) -------------------------------------------------------


class ReminderKind(models.TextChoices):
    ADVISOR_30 = "advisor_30", "Conseiller, 30 jours sans activité"
    STRUCTURE_45 = "structure_45", "Structure, 45 jours sans activité"


class ReminderSent(models.Model):
    """A reminder e-mailed about an advisor's silence, remembered so that one silence brings one reminder of each
    kind. `period_start` is the day the silence began (the day after the last activity, or the contract start)."""

    advisor = models.ForeignKey(
        Advisor, verbose_name="conseiller", on_delete=models.CASCADE, related_name="reminders_sent"
    )
    kind = models.CharField("type de relance", max_length=15, choices=ReminderKind.choices)
    period_start = models.DateField("début de la période sans activité")
    recipient = models.EmailField("destinataire")
    sent_at = models.DateTimeField("envoyée le", auto_now_add=True)

    class Meta:
        verbose_name = "relance envoyée"
        verbose_name_plural = "relances envoyées"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["advisor", "kind", "period_start"], name="unique_reminder_per_silence"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.advisor}"
