"""Activities, beneficiaries and accompaniments. Advisors, structures and sites come from tests.advisors.factories.

`ActivityFactory()` is an individual activity at a site, with its one anonymous accompaniment;
`ActivityFactory(collective=True)` a collective workshop of 5 anonymous participants (no accompaniment);
`ActivityFactory(followed=True)` an individual activity of a followed beneficiary of the same advisor.
"""

import datetime

import factory

from cnum.activities.enums import (
    ActivityType,
    CoordinationKind,
    Level,
    PlaceType,
    Progress,
    TagScope,
    TagVisibility,
    Theme,
)
from cnum.activities.models import Accompaniment, Activity, Beneficiary, CoordinationActivity, Tag
from tests.advisors.factories import AdvisorFactory, TeamFactory
from tests.sites.factories import SiteFactory
from tests.structures.factories import StructureFactory

DATE = datetime.date(2025, 3, 10)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    """Anonymous by default; `followed=True` gives a named beneficiary who consented."""

    class Meta:
        model = Beneficiary

    advisor = factory.SubFactory(AdvisorFactory)

    class Params:
        followed = factory.Trait(
            is_followed=True,
            first_name=factory.Faker("first_name", locale="fr_FR"),
            last_name=factory.Faker("last_name", locale="fr_FR"),
            consent_date=DATE,
        )


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    type = ActivityType.INDIVIDUAL
    date = DATE
    duration_minutes = 30
    place_type = PlaceType.SITE
    site = factory.SubFactory(SiteFactory)
    themes = factory.LazyFunction(lambda: [Theme.EMAIL.value])
    advisor = factory.SubFactory(AdvisorFactory)
    structure = factory.SubFactory(StructureFactory)

    @factory.post_generation
    def accompaniment(obj, create, extracted, **kwargs):
        """Individual activities get their one accompaniment (pass `accompaniment=False` to skip it)."""
        if not create or extracted is False or obj.type != ActivityType.INDIVIDUAL:
            return
        beneficiary = kwargs.pop("beneficiary", None)
        followed = kwargs.pop("followed", False)
        if beneficiary is None:
            beneficiary = BeneficiaryFactory(advisor=obj.advisor, followed=followed)
        AccompanimentFactory(activity=obj, beneficiary=beneficiary, **kwargs)

    class Params:
        individual = factory.Trait(type=ActivityType.INDIVIDUAL)
        #: The one person accompanied is a followed beneficiary of the advisor.
        followed = factory.Trait(accompaniment__followed=True)
        collective = factory.Trait(
            type=ActivityType.COLLECTIVE,
            level=Level.BEGINNER,
            title="Atelier découverte",
            anonymous_participants=5,
            duration_minutes=90,
        )


class AccompanimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accompaniment

    activity = factory.SubFactory(ActivityFactory, accompaniment=False)
    beneficiary = factory.SubFactory(BeneficiaryFactory, advisor=factory.SelfAttribute("..activity.advisor"))
    is_first = True
    progressed = Progress.NOT_ASKED

    class Params:
        followed = factory.Trait(
            beneficiary=factory.SubFactory(
                BeneficiaryFactory, advisor=factory.SelfAttribute("..activity.advisor"), followed=True
            )
        )


class TagFactory(factory.django.DjangoModelFactory):
    """A public national tag; `structure=…` with `scope=TagScope.STRUCTURE` (or the `of_structure` trait), or
    `team=…` with `scope=TagScope.TEAM`, for a structure's or a team's; `private=True` for a private one."""

    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Étiquette {n}")
    scope = TagScope.NATIONAL
    visibility = TagVisibility.PUBLIC

    class Params:
        private = factory.Trait(visibility=TagVisibility.PRIVATE)
        of_structure = factory.Trait(scope=TagScope.STRUCTURE, structure=factory.SubFactory(StructureFactory))


class CoordinationActivityFactory(factory.django.DjangoModelFactory):
    """A team meeting of a team, under the team's structure."""

    class Meta:
        model = CoordinationActivity

    team = factory.SubFactory(TeamFactory)
    structure = factory.SelfAttribute("team.structure")
    kind = CoordinationKind.TEAM_MEETING
    date = DATE
    duration_minutes = 60
    participants = 6
