"""Test data for sites. A site is in Lyon by default: the real one when the COG is loaded (the `cog` fixture), a
stand-in otherwise (see tests.territories.factories)."""

import datetime
import itertools

import factory

from cnum.sites.models import Site
from cnum.structures.enums import StructureType
from cnum.structures.models import Structure
from cnum.territories.enums import CommuneKind
from cnum.territories.models import Commune
from tests.territories.factories import CommuneFactory

_sirets = itertools.count(1)


def luhn_siret(number: int | None = None) -> str:
    """A Luhn-valid SIRET, different at each call."""
    prefix = f"8{number if number is not None else next(_sirets):012d}"
    for last in "0123456789":
        candidate = prefix + last
        total = 0
        for position, digit in enumerate(reversed(candidate)):
            value = int(digit) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def commune(code: str = "69123") -> Commune:
    """The current commune or municipal arrondissement of an INSEE code (not its communes déléguées)."""
    return Commune.objects.get(code=code, kind__in=[CommuneKind.CURRENT, CommuneKind.MUNICIPAL_ARRONDISSEMENT])


def structure(identifier: str = "", **kwargs) -> Structure:
    return Structure.objects.create(
        name=kwargs.pop("name", "Association Numérique Pour Tous"),
        type=kwargs.pop("type", StructureType.ASSOCIATION),
        identifier=identifier,
        **kwargs,
    )


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    source = "test"
    source_id = factory.Sequence(lambda n: f"lieu-{n}")
    name = factory.Sequence(lambda n: f"Médiathèque n° {n}")
    address = "1 place de la Comédie"
    postal_code = "69001"
    #: In Lyon by default; pass `departement=` alone for a site known only by its département (no commune).
    departement = None
    commune = factory.Maybe("departement", yes_declaration=None, no_declaration=factory.SubFactory(CommuneFactory))
    commune_name = factory.LazyAttribute(lambda site: site.commune.name if site.commune else "Lyon")
    latitude = 45.7675
    longitude = 4.8357
    services = factory.LazyFunction(lambda: ["Aide aux démarches administratives"])
    opening_hours = "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"
    updated_on = datetime.date(2025, 1, 15)

    class Params:
        france_services = factory.Trait(national_programmes=["France Services"])
        itinerant = factory.Trait(mobility=["Itinérant"])
        unpublished = factory.Trait(is_published=False)
