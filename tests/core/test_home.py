"""The home page of each role: its key figures and its tasks (issue #17, deliverable 1)."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.activities import home as home_activities
from cnum.core import home
from cnum.funding.reference_data import funding_reference_load
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory, TeamFactory, TeamMembershipFactory
from tests.funding.factories import signed_convention
from tests.structures.factories import PostAmendmentFactory, StructureFactory
from tests.territories.factories import DepartementFactory

pytestmark = pytest.mark.django_db

MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


def page_of(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_an_advisor_records_from_home_and_sees_this_months_figures(client):
    advisor = AdvisorFactory(with_account=True, employed=True)
    today = timezone.localdate()
    for _ in range(2):
        ActivityFactory(advisor=advisor, structure=advisor.contracts.get().structure, date=today.replace(day=1))
    ActivityFactory(
        advisor=advisor,
        structure=advisor.contracts.get().structure,
        date=today.replace(day=1) - datetime.timedelta(days=40),
    )
    call_command("stats_rebuild", verbosity=0)
    html = page_of(client, advisor.user)
    assert f'href="{reverse("activities:create")}"' in html and "Saisir une activité" in html
    assert f"accompagnements en {MONTHS[today.month - 1]}" in html
    figures = home.panels_for(advisor.user)[0].figures
    assert figures[0].value == "2"  # this month's two, not last month's
    assert "Dernières activités saisies" in html
    assert "Jetons d'API" not in html.split("Mon activité")[1].split("</section>")[0]


def test_an_advisor_is_shown_followed_people_to_see_again():
    advisor = AdvisorFactory(with_account=True, employed=True)
    structure = advisor.contracts.get().structure
    long_ago = timezone.localdate() - datetime.timedelta(days=120)
    ActivityFactory(advisor=advisor, structure=structure, date=long_ago, followed=True)
    ActivityFactory(advisor=advisor, structure=structure, date=timezone.localdate(), followed=True)
    panel = next(p for p in home.panels_for(advisor.user) if p.title == "Mon activité")
    assert [(task.label, task.detail) for task in panel.tasks][-1] == ("Personnes suivies à revoir", "1")


def test_a_coordinator_sees_the_members_who_have_not_recorded_for_thirty_days(client):
    structure = StructureFactory()
    team = TeamFactory(structure=structure, name="Équipe du Rhône")
    active, silent = AdvisorFactory(last_name="Active"), AdvisorFactory(last_name="Silencieuse")
    for advisor in (active, silent):
        ContractFactory(advisor=advisor, structure=structure)
        TeamMembershipFactory(team=team, advisor=advisor)
    ActivityFactory(advisor=active, structure=structure, date=timezone.localdate())
    ActivityFactory(advisor=silent, structure=structure, date=timezone.localdate() - datetime.timedelta(days=45))
    coordinator = RoleAssignmentFactory(role=Role.COORDINATOR, scope=team).user
    html = page_of(client, coordinator)
    section = html.split("Membres sans activité saisie depuis 30 jours")[1].split("</section>")[0]
    assert "Silencieuse" in section and "Active" not in section


def test_a_structure_manager_sees_its_conventions_and_next_payment(client):
    funding_reference_load()
    convention = signed_convention(start=timezone.localdate() - datetime.timedelta(days=30), name="Ville de Lyon")
    other = signed_convention(name="Association voisine")
    manager = RoleAssignmentFactory(role=Role.STRUCTURE_MANAGER, scope=convention.structure).user
    html = page_of(client, manager)
    assert "Financement de la structure" in html and "prochain versement" in html
    assert reverse("funding:convention_detail", kwargs={"pk": convention.pk}) in html
    assert reverse("funding:convention_detail", kwargs={"pk": other.pk}) not in html
    # Its own tool: the conventions, schedules and payments of its structure only.
    assert client.get(reverse("funding:convention_list")).status_code == 200
    assert client.get(reverse("funding:convention_detail", kwargs={"pk": convention.pk})).status_code == 200
    assert client.get(reverse("funding:convention_detail", kwargs={"pk": other.pk})).status_code == 403


def test_a_prefecture_sees_opinions_to_give_and_structures_not_reporting(client):
    rhone = DepartementFactory(code="69")
    quiet = StructureFactory(name="Commune silencieuse", departement=rhone)
    busy = StructureFactory(name="Commune active", departement=rhone)
    for structure in (quiet, busy):
        ContractFactory(structure=structure)
    ActivityFactory(structure=busy, date=timezone.localdate())
    amendment = PostAmendmentFactory(structure=busy)
    prefecture = RoleAssignmentFactory(role=Role.PREFECTURE_DEPARTEMENT, scope=rhone).user
    html = page_of(client, prefecture)
    not_reporting = html.split("Structures qui ne saisissent pas")[1].split("</section>")[0]
    assert "Commune silencieuse" in not_reporting and "Commune active" not in not_reporting
    assert reverse("structures:amendment_opinion", kwargs={"pk": amendment.pk}) in html


def test_the_programme_team_sees_its_alerts(client):
    funding_reference_load()
    signed_convention(start=timezone.localdate() - datetime.timedelta(days=300))
    html = page_of(client, UserFactory(programme_team=True))
    assert "Alertes du programme" in html and "conventions se terminant d&#x27;ici 90 jours" in html
    assert "Chiffres clés — France entière" in html


def test_an_account_without_role_has_no_panel(client):
    html = page_of(client, UserFactory())
    assert "Aucun rôle attribué" in html and 'data-testid="panneau"' not in html


def test_structures_not_reporting_are_those_without_an_activity_of_their_own_for_thirty_days(
    django_assert_max_num_queries,
):
    rhone = DepartementFactory(code="69")
    today = timezone.localdate()
    recent, stale, lent = (
        StructureFactory(name=name, departement=rhone)
        for name in ("Commune récente", "Commune ancienne", "Commune prêtée")
    )
    elsewhere = StructureFactory(name="Commune d'ailleurs", departement=DepartementFactory(bouches_du_rhone=True))
    for structure in (recent, stale, lent, elsewhere):
        ContractFactory(structure=structure)
    ActivityFactory(structure=recent, date=today - datetime.timedelta(days=home_activities.SILENT_DAYS))
    ActivityFactory(structure=stale, date=today - datetime.timedelta(days=home_activities.SILENT_DAYS + 1))
    # An advisor of the "lent" structure recording for another employer does not make it report.
    ActivityFactory(advisor=lent.contracts.get().advisor, structure=elsewhere, date=today)
    prefecture = RoleAssignmentFactory(role=Role.PREFECTURE_DEPARTEMENT, scope=rhone).user
    with django_assert_max_num_queries(4):
        panel = home_activities.territory_panel(prefecture)
    assert [item.label for item in panel.items] == ["Commune ancienne", "Commune prêtée"]
    assert panel.figures[0].value == "2"
    # More structures and activities in the scope: the same queries.
    for number in range(5):
        structure = StructureFactory(name=f"Commune n° {number}", departement=rhone)
        ContractFactory(structure=structure)
        ActivityFactory(structure=structure, date=today)
    prefecture = type(prefecture).objects.get(pk=prefecture.pk)  # its roles are read again, as in a new request
    with django_assert_max_num_queries(4):
        assert home_activities.territory_panel(prefecture).figures[0].value == "2"
