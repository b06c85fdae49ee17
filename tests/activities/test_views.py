import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.activities import perms
from cnum.activities.models import Activity, Beneficiary
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.factories import ActivityFactory, BeneficiaryFactory
from tests.advisors.factories import ContractFactory, TeamFactory, TeamMembershipFactory
from tests.sites.factories import SiteFactory

pytestmark = pytest.mark.django_db


def user_as(role, scope=None):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, scope=scope)
    return user


# --- visibility -------------------------------------------------------------------------------------------------


def test_activities_visible_by_role(advisor):
    mine = ActivityFactory(advisor=advisor, structure=advisor.contracts.get().structure)
    colleague = ContractFactory(structure=mine.structure).advisor
    theirs = ActivityFactory(advisor=colleague, structure=mine.structure)
    elsewhere = ActivityFactory()
    team = TeamFactory()
    TeamMembershipFactory(team=team, advisor=advisor)
    TeamMembershipFactory(team=team, advisor=colleague, left=True)

    def visible(user):
        return set(Activity.objects.visible_to(user))

    assert visible(advisor.user) == {mine}
    assert visible(user_as(Role.COORDINATOR, team)) == {mine}
    assert visible(user_as(Role.STRUCTURE_MANAGER, mine.structure)) == {mine, theirs}
    assert visible(user_as(Role.PREFECTURE_DEPARTEMENT, mine.structure.departement)) >= {mine, theirs}
    assert visible(user_as(Role.PROGRAMME_TEAM)) == {mine, theirs, elsewhere}
    assert visible(UserFactory()) == set()


def test_beneficiaries_visible_to_their_advisor_only(advisor):
    person = BeneficiaryFactory(advisor=advisor, followed=True)
    BeneficiaryFactory(followed=True)
    structure = advisor.contracts.get().structure
    assert list(Beneficiary.objects.visible_to(advisor.user)) == [person]
    for user in (user_as(Role.PROGRAMME_TEAM), user_as(Role.STRUCTURE_MANAGER, structure)):
        assert not Beneficiary.objects.visible_to(user).exists()
        assert not perms.can_view_beneficiary(user, person)
    assert perms.can_view_beneficiary(advisor.user, person)


def test_predicates(advisor):
    activity = ActivityFactory(advisor=advisor)
    assert perms.can_record_activity(advisor.user)
    assert perms.can_edit_activity(advisor.user, activity)
    assert not perms.can_edit_activity(user_as(Role.PROGRAMME_TEAM), activity)
    assert not perms.can_record_activity(user_as(Role.PROGRAMME_TEAM))


# --- pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["activities:list", "activities:create", "activities:beneficiary_list", "activities:beneficiary_create"]
)
def test_other_roles_get_403(client, url):
    client.force_login(user_as(Role.PROGRAMME_TEAM))
    assert client.get(reverse(url)).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("activities:create"))
    assert response.status_code == 302 and "next=" in response.url


def test_create_page_defaults(advisor_client, advisor):
    form = advisor_client.get(reverse("activities:create")).context["form"]
    assert form.initial["date"] == timezone.localdate()
    assert form.initial["duration_preset"] == "30"
    assert form.initial["site"] == advisor.site_assignments.get().site_id
    last = ActivityFactory(advisor=advisor, site=SiteFactory())
    form = advisor_client.get(reverse("activities:create")).context["form"]
    assert form.initial["site"] == last.site_id


def minimal_post(advisor, **changes):
    """What the browser sends when the advisor only ticks a theme and submits (defaults kept)."""
    data = {
        "type": "individuel",
        "date": timezone.localdate().isoformat(),
        "duration_preset": "30",
        "place_type": "lieu_activite",
        "site": advisor.site_assignments.get().site_id,
        "themes": ["email"],
        "genre": "non_communique",
        "age_bracket": "non_communique",
        "social_status": "non_communique",
        "progressed": "non_demande",
    }
    return {**data, **changes}


def test_record_individual(advisor_client, advisor):
    response = advisor_client.post(reverse("activities:create"), minimal_post(advisor))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.advisor == advisor and activity.duration_minutes == 30 and activity.themes == ["email"]
    assert activity.accompaniments.get().is_first


def test_a_recording_reads_only_what_it_needs(advisor_client, advisor, django_assert_max_num_queries):
    """Issue #20: the form's choices (sites, France Services, tags, followed people) are not read when the post
    names none, the default site is for a blank form, the session is not written again within the minute, no tag
    is read back from a new activity."""
    data = minimal_post(advisor)
    advisor_client.post(reverse("activities:create"), data)  # the session's refresh, the caches
    # The session, the user, their roles, the advisor, the posted site among theirs; then the contract, the
    # activity, the person, their accompaniment, the queue and two audit rows, in one transaction (2 statements).
    with django_assert_max_num_queries(14) as captured:
        response = advisor_client.post(reverse("activities:create"), data)
    assert response.status_code == 302
    statements = [query["sql"] for query in captured.captured_queries]
    assert not [sql for sql in statements if "django_session" in sql and not sql.startswith("SELECT")]
    assert not [sql for sql in statements if "activities_tag" in sql or 'activities_beneficiary"."is_followed' in sql]


@pytest.mark.parametrize("site", ["elsewhere", "999999999", "9" * 30, "abc"])
def test_the_form_records_at_one_of_the_advisors_sites_only(advisor_client, advisor, site):
    """The posted site is checked among the advisor's (cnum.activities.forms.offers_site, without building the
    choices); another structure's site, an unknown or unreadable id is refused in French, nothing recorded."""
    posted = SiteFactory().pk if site == "elsewhere" else site
    response = advisor_client.post(reverse("activities:create"), minimal_post(advisor, site=posted))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.context["form"].errors["site"][0]
    assert not Activity.objects.exists()
    assert advisor_client.post(reverse("activities:create"), minimal_post(advisor)).status_code == 302
    assert Activity.objects.get().site_id == advisor.site_assignments.get().site_id


def test_record_collective_ignores_individual_fields(advisor_client, advisor):
    data = minimal_post(
        advisor, type="collectif", autonomy="autonome", title="Découvrir la tablette", level="debutant"
    )
    data |= {"anonymous_participants": "8", "anonymous_first_time": "3", "duration_preset": "autre"}
    data |= {"duration_other": "75"}
    response = advisor_client.post(reverse("activities:create"), data)
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.type, activity.anonymous_participants, activity.duration_minutes) == ("collectif", 8, 75)
    assert activity.autonomy == "" and not activity.accompaniments.exists()


def test_errors_in_french_keep_what_was_typed(advisor_client, advisor):
    data = minimal_post(advisor, themes=[], notes="Rendez-vous CAF", type="collectif", anonymous_participants="0")
    response = advisor_client.post(reverse("activities:create"), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choisissez au moins une thématique." in content
    assert "Un atelier collectif compte au moins un participant." in content
    assert "Rendez-vous CAF" in content
    assert not Activity.objects.exists()


def test_future_date_refused(advisor_client, advisor):
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = advisor_client.post(reverse("activities:create"), minimal_post(advisor, date=future))
    assert "La date de l&#x27;activité ne peut pas être dans le futur." in response.content.decode()


def test_list_shows_own_activities_and_filters(advisor_client, advisor):
    site = SiteFactory(name="Médiathèque Lumière")
    mine = ActivityFactory(advisor=advisor, site=site, title="")
    ActivityFactory(advisor=advisor, collective=True, themes=["sante"], date=datetime.date(2024, 1, 5))
    ActivityFactory(site=SiteFactory(name="Ailleurs"))
    response = advisor_client.get(reverse("activities:list"))
    assert list(response.context["page"].object_list)[0] == mine
    assert len(response.context["page"].object_list) == 2
    assert "Ailleurs" not in response.content.decode()
    assert len(advisor_client.get(reverse("activities:list"), {"type": "collectif"}).context["page"]) == 1
    assert len(advisor_client.get(reverse("activities:list"), {"theme": "sante"}).context["page"]) == 1
    assert len(advisor_client.get(reverse("activities:list"), {"since": "2025-01-01"}).context["page"]) == 1
    assert len(advisor_client.get(reverse("activities:list"), {"site": site.pk}).context["page"]) == 1


def test_list_queries_do_not_grow(advisor_client, advisor, django_assert_max_num_queries):
    for _ in range(3):
        ActivityFactory(advisor=advisor)
    with django_assert_max_num_queries(12) as few:
        advisor_client.get(reverse("activities:list"))
    ActivityFactory.create_batch(20, advisor=advisor)
    with django_assert_max_num_queries(len(few)):
        advisor_client.get(reverse("activities:list"))


def test_list_pages_by_50(advisor_client, advisor):
    ActivityFactory.create_batch(51, advisor=advisor, accompaniment=False, collective=True)
    response = advisor_client.get(reverse("activities:list"), {"type": "collectif", "page": 2})
    assert len(response.context["page"].object_list) == 1 and response.context["query"] == "type=collectif"


def test_edit(advisor_client, advisor):
    activity = ActivityFactory(advisor=advisor, site=advisor.site_assignments.get().site)
    url = reverse("activities:update", args=[activity.pk])
    form = advisor_client.get(url).context["form"]
    assert form.initial["themes"] == ["email"]
    response = advisor_client.post(url, minimal_post(advisor, duration_preset="45", date="2025-03-10"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.duration_minutes == 45


def test_others_cannot_edit_or_delete(advisor_client):
    other = ActivityFactory()
    assert advisor_client.get(reverse("activities:update", args=[other.pk])).status_code == 404
    assert advisor_client.post(reverse("activities:delete", args=[other.pk])).status_code == 404
    assert Activity.objects.filter(pk=other.pk).exists()


def test_delete_asks_then_deletes(advisor_client, advisor):
    activity = ActivityFactory(advisor=advisor)
    url = reverse("activities:delete", args=[activity.pk])
    assert advisor_client.get(url).status_code == 200
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert advisor_client.post(url).status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()


# --- beneficiaries ----------------------------------------------------------------------------------------------


def test_follow_a_beneficiary_needs_consent(advisor_client, advisor):
    url = reverse("activities:beneficiary_create")
    response = advisor_client.post(url, {"first_name": "Anne", "last_name": "Durand"})
    assert response.status_code == 200 and not Beneficiary.objects.exists()
    response = advisor_client.post(url, {"first_name": "Anne", "last_name": "Durand", "consent_date": "2025-01-02"})
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    assert person.advisor == advisor and person.is_followed and person.normalized_name == "anne durand"


def test_beneficiary_pages(advisor_client, advisor):
    anne = BeneficiaryFactory(advisor=advisor, followed=True, first_name="Anne", last_name="Durand")
    again = BeneficiaryFactory(advisor=advisor, followed=True, first_name="ANNE", last_name="Durand")
    ActivityFactory(advisor=advisor, accompaniment__beneficiary=again)
    response = advisor_client.get(reverse("activities:beneficiary_list"))
    assert "Doublons possibles" in response.content.decode()
    assert advisor_client.get(reverse("activities:beneficiary_detail", args=[anne.pk])).status_code == 200
    advisor_client.post(reverse("activities:beneficiary_merge", args=[anne.pk]), {"merge": again.pk})
    assert not Beneficiary.objects.filter(pk=again.pk).exists() and anne.accompaniments.count() == 1
    advisor_client.post(reverse("activities:beneficiary_erase", args=[anne.pk]))
    anne.refresh_from_db()
    assert anne.erased_at and anne.last_name == ""


def test_beneficiaries_of_others_are_404(advisor_client):
    other = BeneficiaryFactory(followed=True)
    assert advisor_client.get(reverse("activities:beneficiary_detail", args=[other.pk])).status_code == 404
    assert advisor_client.post(reverse("activities:beneficiary_erase", args=[other.pk])).status_code == 404


def test_record_collective_breakdown(advisor_client, advisor):
    data = minimal_post(advisor, type="collectif", anonymous_participants="4", level="debutant")
    data |= {"breakdown_genre_feminin": "3", "breakdown_genre_masculin": "1", "breakdown_tranche_age_retraite": ""}
    assert advisor_client.post(reverse("activities:create"), data).status_code == 302
    activity = Activity.objects.get()
    assert activity.anonymous_breakdown == {"genre": {"feminin": 3, "masculin": 1}}
    form = advisor_client.get(reverse("activities:update", args=[activity.pk])).context["form"]
    assert form.initial["breakdown_genre_feminin"] == 3


def test_breakdown_over_participants_is_refused(advisor_client, advisor):
    data = minimal_post(advisor, type="collectif", anonymous_participants="2", breakdown_statut_social_retraite="3")
    response = advisor_client.post(reverse("activities:create"), data)
    assert "La répartition par statut social dépasse le nombre de participants." in response.content.decode()
    assert not Activity.objects.exists()


def test_minutes_typed_win_over_the_default_preset(advisor_client, advisor):
    advisor_client.post(reverse("activities:create"), minimal_post(advisor, duration_other="75"))
    assert Activity.objects.get().duration_minutes == 75


def test_other_duration_without_minutes_refused(advisor_client, advisor):
    response = advisor_client.post(reverse("activities:create"), minimal_post(advisor, duration_preset="autre"))
    assert "Indiquez une durée entre 1 et 600 minutes." in response.content.decode()


def test_admin_shows_activities_without_names(client):
    activity = ActivityFactory(followed=True)
    person = activity.accompaniments.get().beneficiary
    # A name no page prints by chance (a drawn name such as "Barre" is also in the admin's "Barre latérale").
    person.last_name = name = "Quintescu-Vandalière"
    person.save()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:activities_activity_changelist")).status_code == 200
    response = client.get(reverse("admin:activities_activity_change", args=[activity.pk]))
    assert response.status_code == 200 and name not in response.content.decode()


def test_the_recording_page_offers_the_advisors_own_sites_and_nearby_france_services(advisor_client, advisor, cog):
    from cnum.activities.forms import ActivityForm
    from cnum.sites.models import Site
    from tests.sites.factories import SiteFactory

    elsewhere = SiteFactory(name="Lieu d'un autre conseiller")
    form = ActivityForm(advisor=advisor)
    offered = set(form.fields["site"].queryset)
    assert elsewhere not in offered
    assert offered <= set(
        Site.objects.filter(assignments__advisor=advisor) | Site.objects.filter(structure__contracts__advisor=advisor)
    )
    page = advisor_client.get(reverse("activities:create")).content.decode()
    assert "Lieu d&#x27;un autre conseiller" not in page
    assert 'name="redirection_site"' in page


def test_a_coordinator_reads_its_team_activities_without_editing_them(client):
    """Issue #17: the coordinator's own tool — its members' activities within their memberships, read-only."""
    from tests.accounts.factories import RoleAssignmentFactory
    from tests.advisors.factories import AdvisorFactory

    team = TeamFactory()
    member, stranger = AdvisorFactory(last_name="Membre"), AdvisorFactory(last_name="Étrangère")
    TeamMembershipFactory(team=team, advisor=member)
    mine = ActivityFactory(advisor=member, date=datetime.date(2025, 3, 15))
    ActivityFactory(advisor=stranger, date=datetime.date(2025, 3, 15))
    client.force_login(RoleAssignmentFactory(role=Role.COORDINATOR, scope=team).user)
    response = client.get(reverse("activities:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Activités de l&#x27;équipe" in html and "Membre" in html and "Étrangère" not in html
    assert [activity.pk for activity in response.context["page"]] == [mine.pk]
    assert reverse("activities:update", kwargs={"pk": mine.pk}) not in html
    assert reverse("activities:create") not in html
    assert client.get(reverse("activities:update", kwargs={"pk": mine.pk})).status_code == 403


# --- duplicate and export (issue #21) ----------------------------------------------------------------------------


def test_duplicating_a_workshop_opens_the_form_for_today_without_its_people(advisor_client, advisor):
    from django.utils import timezone

    workshop = ActivityFactory(advisor=advisor, collective=True, title="Atelier tablette", notes="Salle 2")
    response = advisor_client.get(reverse("activities:duplicate", kwargs={"pk": workshop.pk}))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["title"] == "Atelier tablette" and initial["type"] == workshop.type
    assert initial["date"] == timezone.localdate()
    assert "anonymous_participants" not in initial and "notes" not in initial and "beneficiaries" not in initial


def test_someone_elses_activity_cannot_be_duplicated(advisor_client):
    other = ActivityFactory()
    assert advisor_client.get(reverse("activities:duplicate", kwargs={"pk": other.pk})).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_advisor_downloads_its_filtered_activities(advisor_client, advisor, fmt):
    import csv
    import io

    from openpyxl import load_workbook

    ActivityFactory(advisor=advisor, date=datetime.date(2025, 3, 15))
    ActivityFactory(advisor=advisor, date=datetime.date(2024, 3, 15))
    ActivityFactory(date=datetime.date(2025, 3, 15))  # another advisor's
    response = advisor_client.get(reverse("activities:export", kwargs={"fmt": fmt}), {"since": "2025-01-01"})
    assert response.status_code == 200
    assert f'.{fmt}"' in response["Content-Disposition"]
    content = response.content
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode()), delimiter=";"))
    else:
        rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "2025-03-15"


def test_an_unknown_export_format_is_a_404_and_other_roles_get_403(advisor_client, client):
    assert advisor_client.get(reverse("activities:export", kwargs={"fmt": "pdf"})).status_code == 404
    client.force_login(user_as(Role.PROGRAMME_TEAM))
    assert client.get(reverse("activities:export", kwargs={"fmt": "csv"})).status_code == 403


def test_followed_people_to_see_again_open_the_form_with_them(advisor_client, advisor):
    """Issue #21, "to see again": people not accompanied for the chosen delay, then one click to record with them."""
    from django.utils import timezone

    today = timezone.localdate()
    old = ActivityFactory(advisor=advisor, date=today - datetime.timedelta(days=200), followed=True)
    ActivityFactory(advisor=advisor, date=today, followed=True)
    person = old.accompaniments.get().beneficiary
    page = advisor_client.get(reverse("activities:beneficiary_list"), {"revoir": "90"})
    assert [p.pk for p in page.context["beneficiaries"]] == [person.pk]
    link = f"{reverse('activities:create')}?beneficiaire={person.pk}"
    assert link in page.content.decode()
    form = advisor_client.get(link).context["form"]
    assert form.initial["beneficiary"] == person.pk and form.initial["duration_preset"] == "30"
    stranger = BeneficiaryFactory(followed=True)
    form = advisor_client.get(f"{reverse('activities:create')}?beneficiaire={stranger.pk}").context["form"]
    assert "beneficiary" not in form.initial
