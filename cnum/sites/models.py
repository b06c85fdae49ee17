"""Sites (lieux d'activité, permanences): where advisors meet people.

Fields follow the national open-data standard "lieux de médiation numérique" v1.0.2
(reference/mediation-numerique/schema-lieux-mediation-numerique-v1.0.2.json); the schema's name of each field is
given in its help text. Multi-valued fields are JSON lists of the schema's values (joined with "|" on export).
"""

import datetime
import json

from django.conf import settings
from django.db import models

from cnum.sites import geo, schema
from cnum.sites.enums import DuplicateStatus
from cnum.structures.models import Structure
from cnum.territories.models import Commune, Departement


class ListContains(models.Lookup):
    """True when a JSON list field holds `value`: `Site.objects.filter(ListContains(F("services"), "…"))`.

    Django's `__contains` on JSONField is not available on SQLite, the embedded engine; this one is, on both.
    """

    lookup_name = "list_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} @> %s::jsonb", [*params, json.dumps([self.rhs])]

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)", [*params, self.rhs]


class SiteQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible_to(self, user):
        """Sites are open data: everyone, signed in or not, sees every published site (cnum.sites.perms)."""
        from cnum.sites.perms import visible_sites

        return visible_sites(self, user)

    def in_region(self, code: str):
        return self.filter(departement__region_id=code)

    def in_departement(self, code: str):
        return self.filter(departement_id=code)

    def offering(self, service: str):
        return self.filter(ListContains(models.F("services"), service))

    def in_programme(self, programme: str):
        return self.filter(ListContains(models.F("national_programmes"), programme))

    def france_services(self):
        return self.in_programme(schema.FRANCE_SERVICES)

    def itinerant(self):
        return self.filter(ListContains(models.F("mobility"), schema.ITINERANT))

    def near_place(self, text: str):
        """Sites whose postal code starts with the digits typed, or whose commune name contains the text typed."""
        text = text.strip()
        if text.isdigit():
            return self.filter(postal_code__startswith=text)
        return self.filter(models.Q(commune_name__icontains=text) | models.Q(commune__name__icontains=text))

    def for_public(self, public: str):
        """Sites that address a public specifically (`publics_specifiquement_adresses`: « Seniors »…)."""
        return self.filter(ListContains(models.F("specific_publics"), public))

    def with_support(self, support: str):
        """Sites with a specific support (`prise_en_charge_specifique`: « Surdité », « Handicaps moteurs »…)."""
        return self.filter(ListContains(models.F("specific_support"), support))

    def free_of_charge(self):
        """Sites whose fees include « Gratuit » (`frais_a_charge`; « Gratuit sous condition » is not free)."""
        return self.filter(ListContains(models.F("fees"), schema.FREE))

    def by_appointment(self):
        """Sites where one books: an online booking link, or « Prendre un RDV en ligne » among the access modes."""
        return self.filter(
            models.Q(ListContains(models.F("access_modes"), schema.ONLINE_APPOINTMENT)) | ~models.Q(booking_url="")
        )

    def within_km(self, latitude: float, longitude: float, radius_km: float):
        """Sites within `radius_km` of the point, annotated with `distance_km` (cnum.sites.geo), nearest first."""
        sites = self.filter(**geo.bounding_box(latitude, longitude, radius_km))
        sites = sites.annotate(distance_km=geo.distance_km_expression(latitude, longitude))
        return sites.filter(distance_km__lte=radius_km).order_by("distance_km", "pk")

    def filtered(self, *, region="", departement="", place="", service="", france_services=False, itinerant=False):
        """The filters of the public list and of the API, in one place."""
        sites = self
        if region:
            sites = sites.in_region(region)
        if departement:
            sites = sites.in_departement(departement)
        if place and place.strip():
            sites = sites.near_place(place)
        if service:
            sites = sites.offering(service)
        if france_services:
            sites = sites.france_services()
        if itinerant:
            sites = sites.itinerant()
        return sites


class Site(models.Model):
    source = models.CharField("source", max_length=100, blank=True, help_text="source")
    source_id = models.CharField("identifiant dans la source", max_length=100, blank=True, help_text="id")
    pivot = models.CharField("SIRET ou RNA de la structure", max_length=14, blank=True, help_text="pivot")
    name = models.CharField("nom", max_length=255, help_text="nom")
    structure = models.ForeignKey(
        Structure,
        verbose_name="structure",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sites",
        help_text="Rattachement quand le SIRET du lieu est celui d'une structure connue.",
    )
    parent_structure = models.CharField(
        "structure parente (libellé)", max_length=255, blank=True, help_text="structure_parente"
    )
    address = models.CharField("adresse", max_length=255, help_text="adresse")
    address_complement = models.CharField(
        "complément d'adresse", max_length=255, blank=True, help_text="complement_adresse"
    )
    postal_code = models.CharField("code postal", max_length=5, help_text="code_postal")
    commune_name = models.CharField("commune (libellé)", max_length=100, help_text="commune")
    commune = models.ForeignKey(
        Commune, verbose_name="commune", null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    departement = models.ForeignKey(
        Departement, verbose_name="département", null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )
    latitude = models.FloatField("latitude", null=True, blank=True, help_text="latitude")
    longitude = models.FloatField("longitude", null=True, blank=True, help_text="longitude")
    typology = models.JSONField("typologie", default=list, blank=True, help_text="typologie")
    phone = models.CharField("téléphone", max_length=20, blank=True, help_text="telephone")
    emails = models.JSONField("courriels", default=list, blank=True, help_text="courriels")
    websites = models.JSONField("sites web", default=list, blank=True, help_text="site_web")
    opening_hours = models.CharField(
        "horaires (syntaxe OpenStreetMap)", max_length=500, blank=True, help_text="horaires"
    )
    summary = models.CharField("présentation (résumé)", max_length=280, blank=True, help_text="presentation_resume")
    description = models.TextField("présentation (détail)", blank=True, help_text="presentation_detail")
    mobility = models.JSONField("itinérance", default=list, blank=True, help_text="itinerance")
    services = models.JSONField("services", default=list, blank=True, help_text="services")
    specific_publics = models.JSONField(
        "publics spécifiquement adressés", default=list, blank=True, help_text="publics_specifiquement_adresses"
    )
    specific_support = models.JSONField(
        "prise en charge spécifique", default=list, blank=True, help_text="prise_en_charge_specifique"
    )
    fees = models.JSONField("frais à charge", default=list, blank=True, help_text="frais_a_charge")
    national_programmes = models.JSONField(
        "dispositifs et programmes nationaux", default=list, blank=True, help_text="dispositif_programmes_nationaux"
    )
    training_labels = models.JSONField("formations et labels", default=list, blank=True, help_text="formations_labels")
    other_training_labels = models.JSONField(
        "autres formations et labels", default=list, blank=True, help_text="autres_formations_labels"
    )
    access_modes = models.JSONField("modalités d'accès", default=list, blank=True, help_text="modalites_acces")
    support_modes = models.JSONField(
        "modalités d'accompagnement", default=list, blank=True, help_text="modalites_accompagnement"
    )
    accessibility_url = models.URLField("fiche Acceslibre", max_length=500, blank=True, help_text="fiche_acces_libre")
    booking_url = models.URLField("prise de rendez-vous", max_length=500, blank=True, help_text="prise_rdv")
    updated_on = models.DateField("date de mise à jour", help_text="date_maj")
    review_notes = models.JSONField(
        "à vérifier",
        default=list,
        blank=True,
        help_text="Valeurs abîmées ou illisibles dans le fichier d'origine, gardées telles quelles : à vérifier.",
    )
    is_published = models.BooleanField(
        "publié", default=True, help_text="Un lieu publié figure sur les pages publiques, l'API et les exports."
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu d'activité"
        verbose_name_plural = "lieux d'activité"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~models.Q(source_id=""), name="unique_site_source_id"
            ),
        ]
        indexes = [models.Index(fields=["pivot"])]

    def __str__(self):
        return f"{self.name} ({self.commune_name})"

    def save(self, *args, **kwargs):
        if self.commune_id and not self.departement_id:
            self.departement_id = self.commune.departement_id
        super().save(*args, **kwargs)

    @property
    def directions_url(self) -> str:
        """A route to the site on OpenStreetMap (the visitor chooses where from and how), "" without coordinates."""
        if self.latitude is None or self.longitude is None:
            return ""
        return f"https://www.openstreetmap.org/directions?route=%3B{self.latitude:g}%2C{self.longitude:g}"

    @property
    def is_itinerant(self) -> bool:
        return schema.ITINERANT in self.mobility

    @property
    def is_france_services(self) -> bool:
        return schema.FRANCE_SERVICES in self.national_programmes

    @property
    def phone_display(self) -> str:
        """+33450568749 → 04 50 56 87 49; other numbers as stored."""
        if self.phone.startswith("+33") and len(self.phone) == 12:
            digits = "0" + self.phone[3:]
            return " ".join(digits[index : index + 2] for index in range(0, 10, 2))
        return self.phone

    @property
    def insee_code(self) -> str:
        return self.commune.code if self.commune_id else ""

    @property
    def sources(self) -> list[str]:
        """The site's own source first, then every other source that described it (provenance), once each."""
        names = [self.source] if self.source else []
        names += sorted(record.source for record in self.provenance.all() if record.source not in names)
        return names

    @property
    def latest_update(self):
        """The most recent `date_maj` any of its sources gave (the site's own one when no provenance is known)."""
        dates = [self.updated_on]
        for record in self.provenance.all():
            if record.fields.get("updated_on"):
                dates.append(record.updated_on)
        return max(date for date in dates if date is not None)


class SiteSource(models.Model):
    """One source that described a site: its identifier there, and the values it gave (provenance).

    A site imported from two files, or merged from a duplicate, keeps one record per source, so that what each
    source said and when stays known after the values are merged (docs/sites-mapping.md, "Provenance").
    """

    site = models.ForeignKey(Site, verbose_name="lieu", on_delete=models.CASCADE, related_name="provenance")
    source = models.CharField("source", max_length=100)
    source_id = models.CharField("identifiant dans la source", max_length=100, blank=True)
    fields = models.JSONField("valeurs données par la source", default=dict, blank=True)
    updated_at = models.DateTimeField("dernière mise à jour par la source")

    class Meta:
        verbose_name = "source d'un lieu"
        verbose_name_plural = "sources des lieux"
        ordering = ["site", "source"]
        constraints = [models.UniqueConstraint(fields=["site", "source"], name="unique_site_source")]
        indexes = [models.Index(fields=["source", "source_id"])]

    def __str__(self):
        return f"{self.source} ({self.source_id or 'sans identifiant'})"

    @property
    def updated_on(self):
        """The `date_maj` this source gave, as a date."""
        value = self.fields.get("updated_on")
        return datetime.date.fromisoformat(value) if value else None


class SiteSourceMapping(models.Model):
    """The column mapping last used to import a source's file ("csv-auto"), reused for its next file."""

    source = models.CharField("source", max_length=100, unique=True)
    mapping = models.JSONField("correspondance des colonnes", default=dict)
    # {schema column: {text in the file: schema value or null}}: the values in words matched or chosen last time
    vocabulary = models.JSONField("valeurs reconnues", default=dict, blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "correspondance de colonnes d'une source"
        verbose_name_plural = "correspondances de colonnes des sources"

    def __str__(self):
        return self.source


class SiteDuplicateCandidateQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=DuplicateStatus.PENDING)


class SiteDuplicateCandidate(models.Model):
    """A row of another source that looks like an existing site: proposed for review rather than created."""

    site = models.ForeignKey(Site, verbose_name="lieu existant", on_delete=models.CASCADE, related_name="duplicates")
    source = models.CharField("source proposée", max_length=100)
    source_id = models.CharField("identifiant dans la source", max_length=100, blank=True)
    proposed = models.JSONField("valeurs proposées", default=dict)
    score = models.FloatField("ressemblance")
    reasons = models.JSONField("raisons", default=list)
    status = models.CharField("statut", max_length=10, choices=DuplicateStatus, default=DuplicateStatus.PENDING)
    created_site = models.ForeignKey(
        Site,
        verbose_name="lieu créé",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Le lieu créé quand la ligne n'était pas un doublon.",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidé par", null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    created_at = models.DateTimeField("proposé le", auto_now_add=True)

    objects = SiteDuplicateCandidateQuerySet.as_manager()

    class Meta:
        verbose_name = "doublon possible"
        verbose_name_plural = "doublons possibles"
        ordering = ["-score", "pk"]
        permissions = [("review_duplicates", "Examiner les doublons de lieux")]

    def __str__(self):
        return f"{self.proposed.get('name', '')} ({self.source}) ≈ {self.site}"
