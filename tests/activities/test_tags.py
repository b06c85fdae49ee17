"""Tags (issue #21, deliverable 3): who creates them, who attaches which, and where they show."""

import csv
import datetime
import io

import pytest
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import load_workbook

from cnum.accounts.enums import Role
from cnum.activities import perms
from cnum.activities.enums import TagScope, TagVisibility
from cnum.activities.models import Activity, Tag
from cnum.core.models import AuditEvent
from tests.accounts.factories import RoleAssignmentFactory
from tests.activities.factories import ActivityFactory, TagFactory
from tests.activities.test_views import minimal_post, user_as
from tests.advisors.factories import ContractFactory, TeamFactory, TeamMembershipFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def test_a_name_is_unique_per_owner_whatever_its_case():
    structure = StructureFactory()
    TagFactory(name="Projet Seniors", scope=TagScope.STRUCTURE, structure=structure)
    TagFactory(name="Projet Seniors", scope=TagScope.STRUCTURE, structure=StructureFactory())  # another owner
    TagFactory(name="Projet Seniors")  # the programme's
    with pytest.raises(IntegrityError):
        TagFactory(name="projet seniors", scope=TagScope.STRUCTURE, structure=structure)


def test_a_tag_names_the_owner_its_scope_says():
    with pytest.raises(IntegrityError):
        TagFactory(scope=TagScope.TEAM)  # a team's tag without its team


def test_tags_are_audited():
    tag = TagFactory(name="Campagne impôts")
    assert AuditEvent.objects.filter(object_id=str(tag.pk), content_type__model="tag").exists()


# --- who may attach which ---------------------------------------------------------------------------------------


def test_an_advisor_uses_public_tags_and_the_private_ones_of_its_employer_and_team(advisor):
    employer = advisor.contracts.get().structure
    team = TeamFactory()
    TeamMembershipFactory(team=team, advisor=advisor)
    public_elsewhere = TagFactory(of_structure=True)
    mine = TagFactory(private=True, scope=TagScope.STRUCTURE, structure=employer)
    ours = TagFactory(private=True, scope=TagScope.TEAM, team=team)
    others = TagFactory(private=True, of_structure=True)
    archived = TagFactory(archived_at="2025-01-01T00:00Z")
    usable = set(Tag.objects.usable_by(advisor))
    assert {public_elsewhere, mine, ours} <= usable
    assert others not in usable and archived not in usable


# --- the management page ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROGRAMME_TEAM, Role.STRUCTURE_MANAGER, Role.COORDINATOR])
def test_a_manager_creates_a_tag_of_its_own_scope(client, role):
    scope = {Role.STRUCTURE_MANAGER: StructureFactory, Role.COORDINATOR: TeamFactory}.get(role, lambda: None)()
    client.force_login(user_as(role, scope))
    assert "Aucune étiquette" in client.get(reverse("activities:tag_list")).content.decode()
    response = client.post(reverse("activities:tag_create"), {"name": " Projet  Seniors ", "visibility": "private"})
    assert response.status_code == 302
    tag = Tag.objects.get()
    assert (tag.name, tag.visibility) == ("Projet Seniors", TagVisibility.PRIVATE)
    expected = {Role.PROGRAMME_TEAM: TagScope.NATIONAL, Role.STRUCTURE_MANAGER: TagScope.STRUCTURE}
    assert tag.scope == expected.get(role, TagScope.TEAM)
    assert (tag.structure_id or tag.team_id) == (scope.pk if scope else None)
    assert "Projet Seniors" in client.get(reverse("activities:tag_list")).content.decode()


def test_a_duplicate_name_is_refused_in_french_and_the_form_keeps_it(client):
    structure = StructureFactory()
    TagFactory(name="Seniors", scope=TagScope.STRUCTURE, structure=structure)
    client.force_login(user_as(Role.STRUCTURE_MANAGER, structure))
    response = client.post(reverse("activities:tag_create"), {"name": "SENIORS", "visibility": "public"})
    assert response.status_code == 200
    assert "Une étiquette porte déjà ce nom dans votre périmètre." in response.content.decode()
    assert 'value="SENIORS"' in response.content.decode()
    assert Tag.objects.count() == 1


def test_a_manager_renames_and_archives_only_its_own_tags(client):
    structure = StructureFactory()
    mine = TagFactory(name="Ancien nom", scope=TagScope.STRUCTURE, structure=structure)
    theirs = TagFactory(of_structure=True)
    client.force_login(user_as(Role.STRUCTURE_MANAGER, structure))
    client.post(reverse("activities:tag_update", args=[mine.pk]), {"name": "Nouveau nom", "visibility": "public"})
    client.post(reverse("activities:tag_archive", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.name == "Nouveau nom" and mine.archived_at is not None
    assert mine not in client.get(reverse("activities:tag_list")).context["page"].object_list
    assert mine in client.get(reverse("activities:tag_list"), {"statut": "archivees"}).context["page"].object_list
    client.post(reverse("activities:tag_archive", args=[mine.pk]), {"restaurer": "1"})
    mine.refresh_from_db()
    assert mine.archived_at is None
    assert client.get(reverse("activities:tag_update", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("activities:tag_archive", args=[theirs.pk])).status_code == 404


def test_the_tag_list_pages_by_50(client):
    for n in range(51):
        TagFactory(name=f"Tag {n:02}")
    client.force_login(user_as(Role.PROGRAMME_TEAM))
    response = client.get(reverse("activities:tag_list"))
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 2


@pytest.mark.parametrize("role", [Role.ADVISOR, Role.PREFECTURE_DEPARTEMENT])
def test_advisors_and_other_roles_cannot_manage_tags(client, role, advisor):
    client.force_login(advisor.user if role == Role.ADVISOR else user_as(role))
    assert client.get(reverse("activities:tag_list")).status_code == 403
    assert client.post(reverse("activities:tag_create"), {"name": "X", "visibility": "public"}).status_code == 403
    assert not Tag.objects.exists()


# --- attaching them: the form, duplicate, list, exports ---------------------------------------------------------


def test_the_advisor_tags_an_activity_in_the_form(advisor_client, advisor):
    usable, other = TagFactory(name="Seniors"), TagFactory(private=True, of_structure=True, name="Privée d'ailleurs")
    page = advisor_client.get(reverse("activities:create")).content.decode()
    assert "Seniors" in page and "Privée d&#x27;ailleurs" not in page
    response = advisor_client.post(reverse("activities:create"), minimal_post(advisor, tags=[usable.pk]))
    assert response.status_code == 302
    assert list(Activity.objects.get().tags.all()) == [usable]
    response = advisor_client.post(reverse("activities:create"), minimal_post(advisor, tags=[other.pk]))
    assert response.status_code == 200 and Activity.objects.count() == 1


def test_an_archived_tag_stays_on_the_activity_it_is_on_when_it_is_edited(advisor_client, advisor):
    activity = ActivityFactory(advisor=advisor, structure=advisor.contracts.get().structure)
    tag = TagFactory()
    activity.tags.add(tag)
    Tag.objects.filter(pk=tag.pk).update(archived_at="2025-01-01T00:00Z")
    data = minimal_post(advisor, date=activity.date.isoformat(), tags=[tag.pk])
    response = advisor_client.post(reverse("activities:update", args=[activity.pk]), data)
    assert response.status_code == 302
    assert list(activity.tags.all()) == [tag]


def test_duplicating_an_activity_keeps_its_tags(advisor_client, advisor):
    tag = TagFactory()
    workshop = ActivityFactory(advisor=advisor, collective=True, title="Atelier tablette")
    workshop.tags.add(tag)
    form = advisor_client.get(reverse("activities:duplicate", args=[workshop.pk])).context["form"]
    assert form.initial["tags"] == [tag.pk]


def test_the_list_shows_and_filters_by_the_tags_the_reader_may_see(client):
    team = TeamFactory()
    contract = ContractFactory()
    TeamMembershipFactory(team=team, advisor=contract.advisor)
    public, private = TagFactory(name="Publique"), TagFactory(private=True, name="Secrète", of_structure=True)
    tagged = ActivityFactory(advisor=contract.advisor, structure=contract.structure, date=datetime.date(2025, 3, 15))
    tagged.tags.add(public, private)
    ActivityFactory(advisor=contract.advisor, structure=contract.structure, date=datetime.date(2025, 3, 16))
    client.force_login(RoleAssignmentFactory(role=Role.COORDINATOR, scope=team).user)
    response = client.get(reverse("activities:list"))
    html = response.content.decode()
    assert "Publique" in html and "Secrète" not in html
    response = client.get(reverse("activities:list"), {"etiquette": public.pk})
    assert [activity.pk for activity in response.context["page"]] == [tagged.pk]
    assert client.get(reverse("activities:list"), {"etiquette": private.pk}).context["form"].errors


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_exports_have_a_tags_column(advisor_client, advisor, fmt):
    activity = ActivityFactory(advisor=advisor)
    activity.tags.add(TagFactory(name="B-Seniors"), TagFactory(name="A-Impôts"))
    content = advisor_client.get(reverse("activities:export", kwargs={"fmt": fmt})).content
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode()), delimiter=";"))
    else:
        rows = list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][rows[0].index("etiquettes")] == "A-Impôts|B-Seniors"


def test_command_line_exports_name_public_tags_only():
    from cnum.activities.exporters.accompaniments import COLUMNS, activities_queryset, rows

    activity = ActivityFactory()
    activity.tags.add(TagFactory(name="Publique"), TagFactory(name="Secrète", private=True))
    (row,) = rows(activities_queryset())
    assert row[COLUMNS.index("etiquettes")] == "Publique"


def test_private_tags_are_read_within_their_scope_only():
    structure = StructureFactory()
    private = TagFactory(private=True, scope=TagScope.STRUCTURE, structure=structure)
    manager, other = user_as(Role.STRUCTURE_MANAGER, structure), user_as(Role.STRUCTURE_MANAGER, StructureFactory())
    assert private in Tag.objects.visible_to(manager)
    assert private not in Tag.objects.visible_to(other)
    assert private in Tag.objects.visible_to(user_as(Role.PROGRAMME_TEAM))
    assert not perms.can_manage_tags(user_as(Role.HUB))
