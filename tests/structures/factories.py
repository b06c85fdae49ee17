"""Test data for the registry. A structure is in Lyon by default (the commune gives its département); pass
`departement=` alone for a structure known only by its département (no commune)."""

import datetime
import itertools

import factory
from django.utils import timezone

from cnum.structures.enums import (
    AmendmentKind,
    ApplicationStatus,
    CoselecOutcome,
    Decision,
    IdentifierKind,
    Opinion,
    Phase,
    PostStatus,
    StructureType,
)
from cnum.structures.identifiers import luhn_check_digit
from cnum.structures.models import CoselecDecision, Hub, Network, Post, PostAmendment, Structure
from tests.territories.factories import CommuneFactory

_sirets = itertools.count(1)


def valid_siret(number: int | None = None) -> str:
    """A Luhn-valid SIRET outside La Poste's SIREN, different at each call."""
    prefix = f"9{number if number is not None else next(_sirets):012d}"
    return prefix + luhn_check_digit(prefix)


class HubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hub
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Hub {n}")


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Réseau {n}")


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure {n:03d}")
    identifier = factory.LazyFunction(valid_siret)
    identifier_kind = IdentifierKind.SIRET
    type = StructureType.COMMUNE
    address = "1 place de la Mairie"
    postal_code = "69001"
    #: Declared so that `departement=` may be passed alone: the commune is then left empty, since saving a structure
    #: gives it its commune's département.
    departement = None
    commune = factory.Maybe("departement", yes_declaration=None, no_declaration=factory.SubFactory(CommuneFactory))

    class Params:
        association = factory.Trait(type=StructureType.ASSOCIATION)
        private = factory.Trait(type=StructureType.PRIVATE)
        approved = factory.Trait(application_status=ApplicationStatus.COSELEC_APPROVED)
        in_marseille = factory.Trait(commune=factory.SubFactory(CommuneFactory, marseille=True), postal_code="13001")


class CoselecDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoselecDecision

    structure = factory.SubFactory(StructureFactory, approved=True)
    date = datetime.date(2021, 3, 15)
    phase = Phase.PHASE_1
    outcome = CoselecOutcome.APPROVED
    posts_granted = 1


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    structure = factory.SubFactory(StructureFactory, approved=True)
    phase = Phase.PHASE_1
    granted_on = datetime.date(2021, 3, 15)

    class Params:
        vacant = factory.Trait(
            vacant_since=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(30))
        )
        flagged = factory.Trait(
            vacant_since=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(200))
        )
        returned = factory.Trait(status=PostStatus.RETURNED, returned_on=datetime.date(2024, 6, 30))


class PostAmendmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostAmendment

    structure = factory.SubFactory(StructureFactory, approved=True)
    kind = AmendmentKind.ADD
    posts_count = 1
    reason = "Forte demande d'accompagnement."

    class Params:
        with_opinion = factory.Trait(
            prefecture_opinion=Opinion.FAVOURABLE, opinion_at=factory.LazyFunction(timezone.now)
        )
        decided = factory.Trait(
            prefecture_opinion=Opinion.FAVOURABLE,
            opinion_at=factory.LazyFunction(timezone.now),
            decision=Decision.APPROVED,
            decided_on=factory.LazyFunction(timezone.localdate),
        )
