"""Test data for the territories. Fetched or created by code, so these factories work with and without the real COG
loaded (the `cog` fixture): with it, "69123" is the real Lyon."""

import factory

from cnum.territories.enums import CommuneKind, Zone
from cnum.territories.models import Commune, Departement, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "84"
    name = "Auvergne-Rhône-Alpes"
    zone = Zone.METRO


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ("code",)

    code = "69"
    name = "Rhône"
    region = factory.SubFactory(RegionFactory)
    zone = Zone.METRO

    class Params:
        bouches_du_rhone = factory.Trait(
            code="13",
            name="Bouches-du-Rhône",
            region=factory.SubFactory(RegionFactory, code="93", name="Provence-Alpes-Côte d'Azur"),
        )


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code", "kind")

    code = "69123"
    name = "Lyon"
    kind = CommuneKind.CURRENT
    departement = factory.SubFactory(DepartementFactory)
    region = factory.SelfAttribute("departement.region")
    zone = Zone.METRO

    class Params:
        marseille = factory.Trait(
            code="13055", name="Marseille", departement=factory.SubFactory(DepartementFactory, bouches_du_rhone=True)
        )
