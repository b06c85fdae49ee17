"""The pages of one activity and of one followed person make the same queries whatever they hold (STYLE, "Tests")."""

from django.urls import reverse

from tests.activities.factories import AccompanimentFactory, ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import SiteAssignmentFactory
from tests.sites.factories import SiteFactory

#: Session, user, roles, advisor, the person, their accompaniments with their activities and sites, the merge form.
PERSON_QUERIES = 11
#: Session, user, roles, advisor, the activity, the form's sites, attendees and choices, the tags offered and attached.
ACTIVITY_QUERIES = 17


def test_the_followed_person_page_does_not_grow_with_its_accompaniments(
    advisor_client, advisor, django_assert_max_num_queries
):
    person = BeneficiaryFactory(advisor=advisor, followed=True)
    structure = advisor.contracts.get().structure
    url = reverse("activities:beneficiary_detail", args=[person.pk])
    for count in (1, 7):
        while person.accompaniments.count() < count:
            activity = ActivityFactory(advisor=advisor, structure=structure, site=SiteFactory(), accompaniment=False)
            AccompanimentFactory(activity=activity, beneficiary=person, is_first=False)
        with django_assert_max_num_queries(PERSON_QUERIES):
            response = advisor_client.get(url)
        assert len(response.context["accompaniments"]) == count


def test_the_activity_page_does_not_grow_with_its_attendees_nor_the_advisor_s_sites(
    advisor_client, advisor, django_assert_max_num_queries
):
    structure = advisor.contracts.get().structure
    workshop = ActivityFactory(advisor=advisor, structure=structure, collective=True)
    url = reverse("activities:update", args=[workshop.pk])
    for count in (1, 7):
        while workshop.accompaniments.count() < count:
            AccompanimentFactory(activity=workshop, beneficiary=BeneficiaryFactory(advisor=advisor, followed=True))
            SiteAssignmentFactory(advisor=advisor)
        with django_assert_max_num_queries(ACTIVITY_QUERIES):
            assert advisor_client.get(url).status_code == 200
