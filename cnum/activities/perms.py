"""Who sees and records which activities and beneficiaries (DOMAIN.md "Roles (who sees what)").

Activities, for the role the user acts in now:
- advisor: their own (the Advisor linked to their account);
- coordinator: those the current members of their team recorded on the days of their accepted membership (not
  before they joined; security review #15);
- structure manager, prefectures, hub, national network, programme team: those recorded under the structures they
  see (`Activity.structure`, the employer when the activity was recorded: cnum.structures.perms, their structure,
  their départements, their network's members, or all) — a former employer never sees what the advisor records
  for the next one.

Beneficiaries are personal data: only the advisor who follows them sees them — never their coordinator, their
structure nor the programme team.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as
from cnum.activities.enums import TagScope, TagVisibility
from cnum.advisors.models import TeamMembership, advisor_of
from cnum.advisors.perms import current_team_member_ids
from cnum.structures.models import Structure


def acting_advisor(user):
    """The Advisor the user records activities as: acting in the advisor role, with a linked Advisor."""
    return advisor_of(user) if acting_as(user, Role.ADVISOR) else None


def can_view_team_activities(user) -> bool:
    """A coordinator reads (never edits) the activities of its team's members, within their memberships."""
    assignment = acting_as(user, Role.COORDINATOR)
    return assignment is not None and bool(assignment.scope_id)


def visible_activities(activities: QuerySet, user) -> QuerySet:
    assignment = acting_as(user)
    if assignment is None:
        return activities.none()
    if assignment.role == Role.PROGRAMME_TEAM:
        return activities
    if assignment.role == Role.ADVISOR:
        return activities.filter(advisor__user_id=user.pk)
    if assignment.role == Role.COORDINATOR:
        if not assignment.scope_id:
            return activities.none()
        return _of_current_members(activities, assignment.scope_id)
    return activities.filter(structure__in=Structure.objects.visible_to(user))


def _of_current_members(activities: QuerySet, team_id) -> QuerySet:
    """Activities of the team's current members dated within one of their accepted memberships of the team."""
    membership = TeamMembership.objects.accepted().filter(
        Q(end__isnull=True) | Q(end__gte=OuterRef("date")),
        team_id=team_id,
        advisor_id=OuterRef("advisor_id"),
        start__lte=OuterRef("date"),
    )
    return activities.filter(Exists(membership), advisor_id__in=current_team_member_ids(team_id))


def visible_beneficiaries(beneficiaries: QuerySet, user) -> QuerySet:
    advisor = acting_advisor(user)
    return beneficiaries.filter(advisor=advisor) if advisor is not None else beneficiaries.none()


def can_record_activity(user) -> bool:
    """Advisors record their own activities."""
    return acting_advisor(user) is not None


def can_edit_activity(user, activity) -> bool:
    """An activity is changed or deleted by the advisor who recorded it, only."""
    advisor = acting_advisor(user)
    return advisor is not None and activity.advisor_id == advisor.pk


def can_view_beneficiary(user, beneficiary) -> bool:
    advisor = acting_advisor(user)
    return advisor is not None and beneficiary.advisor_id == advisor.pk


# --- tags (issue #21) -------------------------------------------------------------------------------------------


def _advisor_scopes(advisor) -> Q:
    """The tags owned by the advisor's scopes today: the programme, their current employers, their current teams."""
    from cnum.advisors.models import Contract

    employers = Contract.objects.current().filter(advisor=advisor).values("structure_id")
    teams = TeamMembership.objects.accepted().current().filter(advisor=advisor).values("team_id")
    return Q(scope=TagScope.NATIONAL) | Q(structure_id__in=employers) | Q(team_id__in=teams)


def usable_tags(tags: QuerySet, advisor) -> QuerySet:
    """The tags an advisor may attach: every public tag of the programme, and the private ones of its scopes (its
    current employers and teams); archived ones never."""
    if advisor is None:
        return tags.none()
    return tags.filter(archived_at__isnull=True).filter(Q(visibility=TagVisibility.PUBLIC) | _advisor_scopes(advisor))


def visible_tags(tags: QuerySet, user) -> QuerySet:
    """The tags whose name and figures a user reads: public ones for every signed-in role, and private ones only
    within their scope — all for the programme team, its structure's for a manager, its team's for a coordinator,
    its employers' and teams' for an advisor. The anonymous public reads none (public pages and open data)."""
    assignment = acting_as(user)
    if assignment is None:
        return tags.none()
    if assignment.role == Role.PROGRAMME_TEAM:
        return tags
    public = Q(visibility=TagVisibility.PUBLIC)
    if assignment.role == Role.ADVISOR and getattr(user, "advisor", None) is not None:
        return tags.filter(public | _advisor_scopes(user.advisor))
    return tags.filter(public | _owned(assignment))


def _owned(assignment) -> Q:
    """The tags the role's own scope owns (nothing for roles that own no tags)."""
    if assignment.role == Role.PROGRAMME_TEAM:
        return Q(scope=TagScope.NATIONAL)
    if assignment.role == Role.STRUCTURE_MANAGER and assignment.scope_id:
        return Q(scope=TagScope.STRUCTURE, structure_id=assignment.scope_id)
    if assignment.role == Role.COORDINATOR and assignment.scope_id:
        return Q(scope=TagScope.TEAM, team_id=assignment.scope_id)
    return Q(pk__in=[])


def can_manage_tags(user) -> bool:
    """The programme team, a structure manager and a coordinator create, rename and archive the tags of their own
    scope; advisors and the territorial roles do not."""
    assignment = acting_as(user, Role.PROGRAMME_TEAM, Role.STRUCTURE_MANAGER, Role.COORDINATOR)
    return assignment is not None and (assignment.role == Role.PROGRAMME_TEAM or bool(assignment.scope_id))


def managed_tags(tags: QuerySet, user) -> QuerySet:
    """The tags the user manages (those of its own scope)."""
    assignment = acting_as(user)
    if not can_manage_tags(user):
        return tags.none()
    return tags.filter(_owned(assignment))


def tag_owner(user) -> dict:
    """The owner fields of a tag the user creates: its scope, and its structure or team."""
    assignment = acting_as(user)
    if assignment.role == Role.STRUCTURE_MANAGER:
        return {"scope": TagScope.STRUCTURE, "structure_id": int(assignment.scope_id)}
    if assignment.role == Role.COORDINATOR:
        return {"scope": TagScope.TEAM, "team_id": int(assignment.scope_id)}
    return {"scope": TagScope.NATIONAL}


def private_tags_of(*, advisor=None, structure_id=None) -> QuerySet:
    """The private tags an API token reads on its activities: those of its advisor's scopes (advisor token), or of
    its structure (structure token)."""
    from cnum.activities.models import Tag

    private = Tag.objects.filter(visibility=TagVisibility.PRIVATE)
    if advisor is not None:
        return private.filter(_advisor_scopes(advisor))
    return private.filter(scope=TagScope.STRUCTURE, structure_id=structure_id)


# --- coordination activities --------------------------------------------------------------------------------------

#: Roles that read the coordination activities of the teams of the structures they see (never record them).
COORDINATION_READERS = (
    Role.STRUCTURE_MANAGER,
    Role.PREFECTURE_DEPARTEMENT,
    Role.PREFECTURE_REGION,
    Role.HUB,
    Role.NATIONAL_NETWORK,
)


def coordinated_team_id(user) -> int | None:
    """The team a user coordinates in the role it acts in now, or None (an advisor who is not a coordinator)."""
    assignment = acting_as(user)
    if assignment is None or assignment.role != Role.COORDINATOR or not str(assignment.scope_id or "").isdigit():
        return None
    return int(assignment.scope_id)


def can_record_coordination(user) -> bool:
    """Only a coordinator, for the team it coordinates, records coordination activities."""
    return coordinated_team_id(user) is not None


def can_view_coordination(user) -> bool:
    """The coordinator reads its team's records; its structure, the territories and the programme team read them."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    return can_record_coordination(user) or assignment.role in (*COORDINATION_READERS, Role.PROGRAMME_TEAM)


def visible_coordination_activities(records: QuerySet, user) -> QuerySet:
    assignment = acting_as(user)
    if assignment is None:
        return records.none()
    if assignment.role == Role.PROGRAMME_TEAM:
        return records
    if assignment.role == Role.COORDINATOR:
        team_id = coordinated_team_id(user)
        return records.filter(team_id=team_id) if team_id is not None else records.none()
    if assignment.role in COORDINATION_READERS:
        return records.filter(structure__in=Structure.objects.visible_to(user))
    return records.none()


def can_edit_coordination(user, record) -> bool:
    """A coordination activity is changed or deleted by a coordinator of its team (the one who recorded it, or who
    coordinates the team with it or after it), never by the readers."""
    team_id = coordinated_team_id(user)
    return team_id is not None and team_id == record.team_id
