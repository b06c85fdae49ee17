"""Advisors and what hangs on them. Structures and posts come from tests.structures.factories, sites from
tests.sites.factories."""

import datetime

import factory

from cnum.advisors.enums import CertificationOutcome, ContractEndReason, ContractKind, MembershipStatus, TrainingKind
from cnum.advisors.models import Advisor, Contract, SiteAssignment, Team, TeamMembership, Training
from tests.accounts.factories import UserFactory
from tests.sites.factories import SiteFactory
from tests.structures.factories import PostFactory, StructureFactory

START = datetime.date(2024, 1, 1)


class AdvisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advisor
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"conseiller{n}@exemple.fr")

    class Params:
        #: The advisor signs in: a user account holding the advisor role.
        with_account = factory.Trait(user=factory.SubFactory(UserFactory, advisor=True))
        #: Employed today, on a post of a new structure.
        employed = factory.Trait(
            contract=factory.RelatedFactory("tests.advisors.factories.ContractFactory", factory_related_name="advisor")
        )


class ContractFactory(factory.django.DjangoModelFactory):
    """Saved directly (as an import would): the signal safety net keeps the post's vacancy true."""

    class Meta:
        model = Contract

    advisor = factory.SubFactory(AdvisorFactory)
    structure = factory.SubFactory(StructureFactory)
    post = factory.SubFactory(PostFactory, structure=factory.SelfAttribute("..structure"))
    kind = ContractKind.CDD
    start = START

    class Params:
        ended = factory.Trait(end=datetime.date(2024, 6, 30), end_reason=ContractEndReason.RESIGNATION)
        without_post = factory.Trait(post=None)


class SiteAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiteAssignment

    advisor = factory.SubFactory(AdvisorFactory)
    site = factory.SubFactory(SiteFactory)
    start = START


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Équipe n° {n}")
    structure = factory.SubFactory(StructureFactory)
    coordinator = factory.SubFactory(AdvisorFactory)


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    advisor = factory.SubFactory(AdvisorFactory)
    start = START
    #: Accepted by the advisor or their employer, as every membership that gives access (pass "requested" to wait).
    status = MembershipStatus.ACCEPTED

    class Params:
        #: The advisor left the team on 30 June 2024.
        left = factory.Trait(end=datetime.date(2024, 6, 30))


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    advisor = factory.SubFactory(AdvisorFactory)
    kind = TrainingKind.INITIAL
    start = datetime.date(2023, 9, 1)
    end = datetime.date(2023, 11, 30)
    hours = 147
    provider = "Organisme de formation agréé"

    class Params:
        certified = factory.Trait(certification=CertificationOutcome.CERTIFIED, pix_level=5)
        continuing = factory.Trait(kind=TrainingKind.CONTINUING, hours=14, end=datetime.date(2023, 9, 2))
