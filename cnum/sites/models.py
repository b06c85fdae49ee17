"""Sites (lieux d'activité, permanences): where advisors meet people.

Fields follow the national open-data standard "lieux de médiation numérique" v1.0.2
(reference/mediation-numerique/schema-lieux-mediation-numerique-v1.0.2.json); the schema's name of each field is
given in its help text. Multi-valued fields are JSON lists of the schema's values (joined with "|" on export).
"""

from django.db import models

from cnum.structures.models import Structure
from cnum.territories.models import Commune, Departement


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
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

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
    def is_itinerant(self) -> bool:
        return "Itinérant" in self.mobility
