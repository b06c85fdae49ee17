"""Coordination activities (issue #21, deliverable 4): recorded by a coordinator for its team, read by its
structure, never counted as accompaniments."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.activities.enums import CoordinationKind
from cnum.activities.models import Activity, CoordinationActivity
from cnum.core.models import AuditEvent
from tests.accounts.factories import RoleAssignmentFactory
from tests.activities.factories import ActivityFactory, CoordinationActivityFactory
from tests.advisors.factories import TeamFactory

pytestmark = pytest.mark.django_db


def signed_in(client, role, scope=None):
    client.force_login(RoleAssignmentFactory(role=role, scope=scope).user)
    return client


@pytest.fixture
def team():
    return TeamFactory(name="Équipe du Vercors")


@pytest.fixture
def coordinator(client, team):
    return signed_in(client, Role.COORDINATOR, team)


def valid(**changes):
    data = {
        "kind": CoordinationKind.PARTNER_MEETING,
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "duration_minutes": "90",
        "participants": "8",
        "partners": "CAF, Mission locale",
        "notes": "Préparer la semaine numérique",
    }
    return data | changes


def test_a_coordinator_records_a_coordination_activity_for_its_team(coordinator, team):
    response = coordinator.post(reverse("activities:coordination_create"), valid())
    assert response.status_code == 302
    record = CoordinationActivity.objects.get()
    assert (record.team, record.structure, record.kind) == (team, team.structure, CoordinationKind.PARTNER_MEETING)
    assert (record.duration_minutes, record.participants, record.partners) == (90, 8, "CAF, Mission locale")
    assert record.created_by == response.wsgi_request.user
    page = coordinator.get(reverse("activities:coordination_list")).content.decode()
    assert "Réunion avec des partenaires" in page and "CAF, Mission locale" in page


def test_the_record_is_audited_without_its_free_text(coordinator):
    coordinator.post(reverse("activities:coordination_create"), valid())
    event = AuditEvent.objects.get(content_type__model="coordinationactivity")
    assert "Préparer" not in json.dumps(event.changes, ensure_ascii=False)
    assert "CAF" not in json.dumps(event.changes, ensure_ascii=False)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "date", "dans le futur"),
        ({"duration_minutes": "0"}, "duration_minutes", "entre 1 et 600 minutes"),
        ({"kind": ""}, "kind", "obligatoire"),
    ],
)
def test_bad_input_is_refused_with_a_french_message_and_nothing_saved(coordinator, changes, field, message):
    response = coordinator.post(reverse("activities:coordination_create"), valid(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not CoordinationActivity.objects.exists()


@pytest.mark.parametrize("name", ["activities:coordination_create", "activities:coordination_list"])
def test_an_advisor_who_is_not_a_coordinator_gets_403(advisor_client, name):
    assert advisor_client.get(reverse(name)).status_code == 403


def test_a_coordinator_changes_and_deletes_its_teams_records_only(coordinator, team, client):
    mine = CoordinationActivityFactory(team=team)
    elsewhere = CoordinationActivityFactory()
    url = reverse("activities:coordination_update", kwargs={"pk": mine.pk})
    assert coordinator.post(url, valid(participants="12")).status_code == 302
    mine.refresh_from_db()
    assert mine.participants == 12
    assert coordinator.get(reverse("activities:coordination_update", kwargs={"pk": elsewhere.pk})).status_code == 404
    assert coordinator.post(reverse("activities:coordination_delete", kwargs={"pk": elsewhere.pk})).status_code == 404
    assert coordinator.post(reverse("activities:coordination_delete", kwargs={"pk": mine.pk})).status_code == 302
    assert list(CoordinationActivity.objects.all()) == [elsewhere]


def test_the_readers_never_change_a_record(client, team):
    record = CoordinationActivityFactory(team=team)
    signed_in(client, Role.STRUCTURE_MANAGER, team.structure)
    assert client.post(reverse("activities:coordination_update", kwargs={"pk": record.pk}), valid()).status_code == 403
    assert client.post(reverse("activities:coordination_delete", kwargs={"pk": record.pk})).status_code == 403
    assert CoordinationActivity.objects.get() == record


def test_a_structure_manager_reads_its_coordinators_records_only(client, team):
    CoordinationActivityFactory(team=team, partners="Médiathèque du Vercors")
    CoordinationActivityFactory(partners="Partenaire d'ailleurs")
    page = signed_in(client, Role.STRUCTURE_MANAGER, team.structure).get(reverse("activities:coordination_list"))
    assert "Médiathèque du Vercors" in page.content.decode()
    assert "Partenaire d'ailleurs" not in page.content.decode()
    assert client.get(reverse("activities:coordination_create")).status_code == 403


def stats_json() -> dict:
    out = io.StringIO()
    call_command("stats", json=True, stdout=out)
    return json.loads(out.getvalue())


def test_coordination_activities_never_count_as_accompaniments(coordinator, team):
    """Recorded through the page, a coordination activity changes no figure of `stats --json`, creates no Activity,
    and the rollups still equal a recount (stats_verify exits 0)."""
    ActivityFactory(date=timezone.localdate())
    call_command("stats_rebuild", verbosity=0, stdout=io.StringIO())
    before = stats_json()
    for kind in CoordinationKind.values:
        coordinator.post(reverse("activities:coordination_create"), valid(kind=kind))
    assert CoordinationActivity.objects.count() == len(CoordinationKind.values)
    assert Activity.objects.count() == 1
    assert stats_json() == before
    call_command("stats_verify", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_coordinator_home_counts_its_records_by_kind(coordinator, team):
    CoordinationActivityFactory.create_batch(3, team=team, date=timezone.localdate(), kind=CoordinationKind.TRAINING)
    CoordinationActivityFactory(
        team=team, date=timezone.localdate(), kind=CoordinationKind.EVENT, duration_minutes=120
    )
    CoordinationActivityFactory(date=timezone.localdate(), kind=CoordinationKind.TRAINING)  # another team's
    panels = coordinator.get(reverse("core:dashboard")).context["panels"]
    panel = next(panel for panel in panels if panel.title == "Activités de coordination")
    figures = {figure.label: figure.value for figure in panel.figures}
    assert figures["activités de coordination"] == "4"
    assert figures["formation donnée"] == "3"
    assert figures["animation ou événement"] == "1"
    assert figures["heures de coordination"] == "5"


def test_the_programme_team_home_counts_every_team_by_kind(client):
    CoordinationActivityFactory.create_batch(2, date=timezone.localdate(), kind=CoordinationKind.TEAM_MEETING)
    CoordinationActivityFactory(
        date=timezone.localdate() - datetime.timedelta(days=400), kind=CoordinationKind.TEAM_MEETING
    )
    panels = signed_in(client, Role.PROGRAMME_TEAM).get(reverse("core:dashboard")).context["panels"]
    panel = next(panel for panel in panels if panel.title == "Coordination dans le programme")
    figures = {figure.label: figure.value for figure in panel.figures}
    assert figures["réunion d'équipe"] == "2"
    assert figures["activités de coordination"] == "2"


def test_the_form_shows_its_hints(coordinator):
    page = coordinator.get(reverse("activities:coordination_create")).content.decode()
    assert "Entre 1 et 600 minutes." in page
    assert "Ne nommez pas les personnes accompagnées." in page


def test_the_list_reads_a_fixed_number_of_queries(coordinator, team, django_assert_max_num_queries):
    CoordinationActivityFactory.create_batch(2, team=team)
    coordinator.get(reverse("activities:coordination_list"))  # warms the session and the role
    with django_assert_max_num_queries(12) as few:
        coordinator.get(reverse("activities:coordination_list"))
    CoordinationActivityFactory.create_batch(8, team=team)
    with django_assert_max_num_queries(len(few.captured_queries)):
        coordinator.get(reverse("activities:coordination_list"))


def test_a_structure_manager_home_counts_its_teams_records_when_there_are_some(client, team):
    signed_in(client, Role.STRUCTURE_MANAGER, team.structure)
    titles = [panel.title for panel in client.get(reverse("core:dashboard")).context["panels"]]
    assert "Coordination des équipes" not in titles
    CoordinationActivityFactory(team=team, date=timezone.localdate(), kind=CoordinationKind.EVENT)
    CoordinationActivityFactory(date=timezone.localdate(), kind=CoordinationKind.EVENT)  # a team of another structure
    panels = client.get(reverse("core:dashboard")).context["panels"]
    panel = next(panel for panel in panels if panel.title == "Coordination des équipes")
    assert {figure.label: figure.value for figure in panel.figures}["animation ou événement"] == "1"
    assert panel.tasks == []
