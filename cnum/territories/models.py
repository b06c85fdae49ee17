"""Official geography (Code officiel géographique 2026, INSEE, via @etalab/decoupage-administratif).

Régions and départements are keyed by their official code. Communes carry their INSEE code, which is not unique
on its own: a commune nouvelle and its chef-lieu commune déléguée share it, so (code, kind) is the key.
"""

from django.db import models

from cnum.territories.enums import CommuneKind, EpciKind, Zone


class TerritoryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Official geography is public reference data."""
        return self


class RegionQuerySet(TerritoryQuerySet):
    def regions(self):
        """The 18 régions (13 metropolitan, 5 overseas), without the overseas collectivities (COM)."""
        return self.exclude(zone=Zone.COM)


class Region(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    zone = models.CharField("zone", max_length=5, choices=Zone.choices)
    chef_lieu_code = models.CharField("chef-lieu (code INSEE)", max_length=5, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["name"]

    def __str__(self):
        return self.name


class DepartementQuerySet(TerritoryQuerySet):
    def departements(self):
        """The 101 départements (96 metropolitan, 5 overseas), without the overseas collectivities (COM)."""
        return self.exclude(zone=Zone.COM)


class Departement(models.Model):
    code = models.CharField("code", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="departements")
    zone = models.CharField("zone", max_length=5, choices=Zone.choices)
    chef_lieu_code = models.CharField("chef-lieu (code INSEE)", max_length=5, blank=True)

    objects = DepartementQuerySet.as_manager()

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Epci(models.Model):
    siren = models.CharField("SIREN", max_length=9, primary_key=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("nature", max_length=5, choices=EpciKind.choices)
    population = models.PositiveIntegerField("population totale", null=True, blank=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommuneQuerySet(TerritoryQuerySet):
    def current(self):
        """Current communes (communes actuelles), the ones that exist as municipalities today."""
        return self.filter(kind=CommuneKind.CURRENT)


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, db_index=True)
    name = models.CharField("nom", max_length=100)
    kind = models.CharField("type", max_length=30, choices=CommuneKind.choices, default=CommuneKind.CURRENT)
    departement = models.ForeignKey(
        Departement, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    region = models.ForeignKey(Region, verbose_name="région", on_delete=models.PROTECT, related_name="communes")
    zone = models.CharField("zone", max_length=5, choices=Zone.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="commune de rattachement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Pour une commune déléguée ou associée, ou un arrondissement municipal : la commune actuelle.",
    )
    epci = models.ForeignKey(
        Epci, verbose_name="EPCI", null=True, blank=True, on_delete=models.SET_NULL, related_name="communes"
    )
    population = models.PositiveIntegerField("population", null=True, blank=True)
    siren = models.CharField("SIREN", max_length=9, blank=True)
    former_codes = models.CharField("anciens codes INSEE", max_length=200, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["code", "kind"]
        constraints = [models.UniqueConstraint(fields=["code", "kind"], name="unique_commune_code_kind")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def municipality(self) -> "Commune":
        """The current commune this one belongs to (itself for a current commune)."""
        return self.parent if self.parent_id else self


class PostalCode(models.Model):
    """A postal code serves one or several communes; a commune may have several postal codes."""

    code = models.CharField("code postal", max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, verbose_name="commune", on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        verbose_name = "code postal"
        verbose_name_plural = "codes postaux"
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="unique_postal_code_commune")]

    def __str__(self):
        return self.code
