"""Security review #15: whose activities a coordinator and a structure manager read through an advisor.

Finding 2: a coordinator reads a member's figures and activities only for the days of an accepted membership.
Finding 7: an employer reads an advisor's activities recorded under its own structure only, never those of the
advisor's later (or earlier) employers — in the activities, the statistics and the exports."""

import csv
import datetime
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from cnum.accounts.enums import Role
from cnum.activities.models import Activity
from cnum.advisors import services
from cnum.advisors.models import TeamMembership
from cnum.stats import engine, presenter
from cnum.stats.exports import fiche_html
from cnum.stats.scopes import Filters, Scope, ScopeKind
from tests.accounts.factories import RoleAssignmentFactory, UserFactory
from tests.activities.factories import ActivityFactory
from tests.advisors.factories import AdvisorFactory, ContractFactory, TeamFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

D = datetime.date
URL = reverse("stats:dashboard")
ALL_TIME = {"periode": "tout"}


def signed_in(client, role, scope=None):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, scope=scope)
    client.force_login(user)
    return user


def verify_rollups():
    call_command("stats_verify", verbosity=0, stdout=io.StringIO())


def dashboard_figures(client, **params):
    # The presenter's figures are in the context of a page built, not of one served from the cache.
    cache.clear()
    response = client.get(URL, {**ALL_TIME, **params}, follow=True)
    assert response.status_code == 200, response.status_code
    return response.context["figures"]


def csv_months(client, **params) -> set[str]:
    response = client.get(reverse("stats:export", args=["csv"]), {**ALL_TIME, **params}, follow=True)
    assert response.status_code == 200, response.status_code
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return {row[0] for row in rows if row and len(row[0]) == 7 and row[0][4] == "-"}


# --- finding 7: the former employer ---------------------------------------------------------------------------


@pytest.fixture
def moved():
    """An advisor employed by A in 2024, then by B from 2025, with one activity recorded under each."""
    a, b = StructureFactory(name="Structure A"), StructureFactory(name="Structure B")
    advisor = AdvisorFactory()
    ContractFactory(advisor=advisor, structure=a, start=D(2024, 1, 1), ended=True)
    ContractFactory(advisor=advisor, structure=b, start=D(2025, 1, 1))
    at_a = ActivityFactory(advisor=advisor, structure=a, date=D(2024, 3, 12))
    at_b = ActivityFactory(advisor=advisor, structure=b, date=D(2025, 2, 20))
    verify_rollups()
    return {"a": a, "b": b, "advisor": advisor, "at_a": at_a, "at_b": at_b}


def test_an_employer_sees_the_activities_recorded_under_its_structure_only(client, moved):
    user_a = signed_in(client, Role.STRUCTURE_MANAGER, moved["a"])
    assert list(Activity.objects.visible_to(user_a)) == [moved["at_a"]]
    assert client.get(reverse("activities:list")).status_code == 403
    assert client.get(reverse("activities:update", args=[moved["at_b"].pk])).status_code == 403
    user_b = signed_in(client, Role.STRUCTURE_MANAGER, moved["b"])
    assert list(Activity.objects.visible_to(user_b)) == [moved["at_b"]]


@pytest.mark.parametrize(("employer", "seen", "hidden"), [("a", "2024-03", "2025-02"), ("b", "2025-02", "2024-03")])
def test_an_employer_reads_the_advisor_statistics_of_its_era_only(client, moved, employer, seen, hidden):
    signed_in(client, Role.STRUCTURE_MANAGER, moved[employer])
    advisor = moved["advisor"]
    figures = dashboard_figures(client, scope=f"advisor:{advisor.pk}")
    assert figures["activities"] == 1 and list(figures["by_month"]) == [seen]
    months = csv_months(client, scope=f"advisor:{advisor.pk}")
    assert seen in months and hidden not in months
    response = client.get(reverse("stats:export", args=["xlsx"]), {**ALL_TIME, "scope": f"advisor:{advisor.pk}"})
    assert response.status_code == 302 and f"structure%3A{moved[employer].pk}" in response.url
    # The structure's dashboard narrowed to the advisor, asked for directly.
    figures = dashboard_figures(client, scope=f"structure:{moved[employer].pk}", conseiller=advisor.pk)
    assert figures["activities"] == 1 and list(figures["by_month"]) == [seen]


def test_an_employer_cannot_narrow_another_structure_nor_a_stranger(client, moved):
    signed_in(client, Role.STRUCTURE_MANAGER, moved["a"])
    advisor = moved["advisor"]
    params = {**ALL_TIME, "scope": f"structure:{moved['b'].pk}", "conseiller": advisor.pk}
    assert client.get(URL, params).status_code == 403
    stranger = ContractFactory().advisor
    params = {**ALL_TIME, "scope": f"structure:{moved['a'].pk}", "conseiller": stranger.pk}
    assert client.get(URL, params).status_code == 403
    assert client.get(URL, {**params, "conseiller": "abc"}).status_code == 404


def test_the_structure_dashboard_links_its_advisors_to_its_own_figures(client, moved):
    signed_in(client, Role.STRUCTURE_MANAGER, moved["a"])
    html = client.get(URL, {**ALL_TIME, "scope": f"structure:{moved['a'].pk}"}).content.decode()
    assert f"conseiller={moved['advisor'].pk}" in html
    assert f"scope=advisor%3A{moved['advisor'].pk}" not in html


# --- finding 2: the coordinator, within the membership --------------------------------------------------------


@pytest.fixture
def member():
    """An advisor of structure S since 2024, member of a team of S since 1 May 2025 (accepted), with activities in
    March (before they joined), June and October 2025."""
    structure = StructureFactory()
    advisor = AdvisorFactory()
    ContractFactory(advisor=advisor, structure=structure, start=D(2024, 1, 1))
    team = TeamFactory(structure=structure)
    membership = TeamMembership.objects.create(team=team, advisor=advisor, start=D(2025, 5, 1))
    TeamMembership.objects.filter(pk=membership.pk).update(status="accepted")
    activities = {
        month: ActivityFactory(advisor=advisor, structure=structure, date=D(2025, month, 10)) for month in (3, 6, 10)
    }
    verify_rollups()
    return {"team": team, "advisor": advisor, "membership": membership, "activities": activities}


def test_a_coordinator_reads_a_member_figures_within_the_membership_only(client, member):
    signed_in(client, Role.COORDINATOR, member["team"])
    advisor = member["advisor"]
    figures = dashboard_figures(client, scope=f"advisor:{advisor.pk}")
    assert figures["activities"] == 2 and list(figures["by_month"]) == ["2025-06", "2025-10"]
    assert "2025-03" not in csv_months(client, scope=f"advisor:{advisor.pk}")


def test_a_coordinator_sees_member_activities_of_the_membership_days_only(client, member):
    user = signed_in(client, Role.COORDINATOR, member["team"])
    visible = set(Activity.objects.visible_to(user).values_list("date__month", flat=True))
    assert visible == {6, 10}


def test_a_requested_membership_counts_in_no_team_figure_nor_access(client, member):
    TeamMembership.objects.filter(pk=member["membership"].pk).update(status="requested")
    verify_rollups()
    user = signed_in(client, Role.COORDINATOR, member["team"])
    assert not Activity.objects.visible_to(user).exists()
    figures = dashboard_figures(client, scope=f"team:{member['team'].pk}")
    assert figures["activities"] == 0
    assert (
        dashboard_figures(client, scope=f"team:{member['team'].pk}", du="2025-06-01", au="2025-06-20")["activities"]
        == 0
    )
    assert client.get(URL, {**ALL_TIME, "scope": f"advisor:{member['advisor'].pk}"}).status_code == 403


def test_accepting_a_membership_brings_its_days_into_the_team_rollups(client, member):
    TeamMembership.objects.filter(pk=member["membership"].pk).update(status="requested")
    verify_rollups()
    team = Scope(ScopeKind.TEAM, str(member["team"].pk))
    assert engine.figures(team)["activities"] == 0
    advisor_user = UserFactory(advisor=True)
    member["advisor"].user = advisor_user
    member["advisor"].save()
    services.membership_decide(membership=member["membership"], accept=True, by=advisor_user)
    figures = engine.figures(team)
    assert figures["computed"]["figures"] == engine.ROLLUPS
    assert figures["activities"] == 2 and list(figures["by_month"]) == ["2025-06", "2025-10"]


def test_the_fiche_names_the_advisor_it_is_narrowed_to(moved):
    structure = Scope(ScopeKind.STRUCTURE, str(moved["a"].pk))
    html = fiche_html(presenter.build(structure, None, None, Filters(advisor=str(moved["advisor"].pk))))
    assert moved["advisor"].full_name in html
