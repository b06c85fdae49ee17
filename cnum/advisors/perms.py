"""Who sees and changes which advisors, contracts and teams (DOMAIN.md "Roles (who sees what)").

Always for the role the user acts in now (`user.active_role`), so switching role changes what the user sees:

- programme team: every advisor and team;
- prefecture (département or région), hub, national network: advisors whose current employer is a structure
  they see (cnum.structures.perms: the département of the employer structure, or the network's members);
- structure manager: advisors who have or had a contract with their structure (their staff records);
- coordinator: the current members of their team, until they leave it, once the membership is accepted (by the
  advisor or a manager of their employer: `can_decide_membership`);
- advisor: themself (the Advisor linked to their account);
- anyone else, and the anonymous public: nobody. Advisors are personal data, never public.
"""

import datetime

from django.db.models import QuerySet

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as
from cnum.advisors.models import Advisor, Contract, TeamMembership
from cnum.structures.models import Structure

TERRITORIAL_ROLES = (Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION, Role.HUB, Role.NATIONAL_NETWORK)


def _has_role(user, *roles) -> bool:
    return acting_as(user, *roles) is not None


def _scope_is(assignment, pk) -> bool:
    return pk is not None and bool(assignment.scope_id) and str(assignment.scope_id) == str(pk)


# --- what a role sees -----------------------------------------------------------------------------------------


def current_team_member_ids(team_id, on: datetime.date | None = None) -> QuerySet:
    """The advisors of a team on `on` (today by default) through an accepted membership: a request gives nothing."""
    return TeamMembership.objects.accepted().current(on).filter(team_id=team_id).values("advisor_id")


def visible_advisors(advisors: QuerySet, user) -> QuerySet:
    """The advisors the user's active role may see (module docstring)."""
    assignment = acting_as(user)
    if assignment is None:
        return advisors.none()
    role = assignment.role
    if role == Role.PROGRAMME_TEAM:
        return advisors
    if role == Role.ADVISOR:
        return advisors.filter(user_id=user.pk)
    if role == Role.COORDINATOR:
        if not assignment.scope_id:
            return advisors.none()
        return advisors.filter(pk__in=current_team_member_ids(assignment.scope_id))
    if role == Role.STRUCTURE_MANAGER:
        if not assignment.scope_id:
            return advisors.none()
        return advisors.filter(pk__in=Contract.objects.filter(structure_id=assignment.scope_id).values("advisor_id"))
    if role in TERRITORIAL_ROLES:
        employers = Structure.objects.visible_to(user)
        return advisors.filter(pk__in=Contract.objects.current().filter(structure__in=employers).values("advisor_id"))
    return advisors.none()


def visible_teams(teams: QuerySet, user) -> QuerySet:
    """Teams the active role sees: all (programme team), their own (coordinator), those of the structures a
    structure manager or a territorial role sees, and the teams an advisor belongs to now."""
    assignment = acting_as(user)
    if assignment is None:
        return teams.none()
    role = assignment.role
    if role == Role.PROGRAMME_TEAM:
        return teams
    if role == Role.COORDINATOR:
        return teams.filter(pk=assignment.scope_id) if assignment.scope_id else teams.none()
    if role == Role.ADVISOR:
        memberships = TeamMembership.objects.accepted().current().filter(advisor__user_id=user.pk)
        return teams.filter(pk__in=memberships.values("team_id"))
    if role == Role.STRUCTURE_MANAGER or role in TERRITORIAL_ROLES:
        return teams.filter(structure__in=Structure.objects.visible_to(user))
    return teams.none()


# --- structure scopes this layer knows (registered with cnum.structures.perms in AdvisorsConfig.ready) ----------


def advisor_employers(structures: QuerySet, assignment) -> QuerySet:
    """An advisor sees the structures that employ them now (current contracts of the Advisor linked to them)."""
    contracts = Contract.objects.current().filter(advisor__user_id=assignment.user_id)
    return structures.filter(pk__in=contracts.values("structure_id"))


def team_employers(structures: QuerySet, assignment) -> QuerySet:
    """A coordinator sees the structures that employ the current members of their team (the role's scope)."""
    if not assignment.scope_id:
        return structures.none()
    contracts = Contract.objects.current().filter(advisor__in=current_team_member_ids(assignment.scope_id))
    return structures.filter(pk__in=contracts.values("structure_id"))


# --- predicates -----------------------------------------------------------------------------------------------


def manageable_structures(user) -> QuerySet:
    """Employers whose contracts the user records: every one for the programme team, their own for a manager."""
    assignment = acting_as(user)
    if assignment is None:
        return Structure.objects.none()
    if assignment.role == Role.PROGRAMME_TEAM:
        return Structure.objects.all()
    if assignment.role == Role.STRUCTURE_MANAGER and assignment.scope_id:
        return Structure.objects.filter(pk=assignment.scope_id)
    return Structure.objects.none()


def acts_nationally(user) -> bool:
    """The programme team works across every structure: it may record an advisor before their employer, or a team
    carried by no structure. Other roles record them within their structure, so that they keep seeing them."""
    return _has_role(user, Role.PROGRAMME_TEAM)


def can_manage_contracts(user, structure) -> bool:
    """Start, correct and end the contracts of `structure`: the programme team, or that structure's manager."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return assignment.role == Role.STRUCTURE_MANAGER and _scope_is(assignment, structure.pk)


def _employs_now(assignment, advisor) -> bool:
    """The user manages a structure that employs `advisor` today."""
    if assignment.role != Role.STRUCTURE_MANAGER or not assignment.scope_id:
        return False
    return Contract.objects.current().filter(advisor=advisor, structure_id=assignment.scope_id).exists()


def _coordinates(assignment, advisor) -> bool:
    """The user coordinates a team `advisor` belongs to today."""
    if assignment.role != Role.COORDINATOR or not assignment.scope_id:
        return False
    return current_team_member_ids(assignment.scope_id).filter(advisor_id=advisor.pk).exists()


def _is_self(user, assignment, advisor) -> bool:
    return assignment.role == Role.ADVISOR and advisor.user_id is not None and advisor.user_id == user.pk


def can_view_advisor(user, advisor) -> bool:
    return visible_advisors(Advisor.objects.filter(pk=advisor.pk), user).exists()


def can_create_advisor(user) -> bool:
    """The programme team records any advisor; a structure manager records the advisors they recruit."""
    return manageable_structures(user).exists()


def can_edit_advisor(user, advisor) -> bool:
    """Identity and contact details: the programme team, a current employer's manager, or the advisor themself."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return _employs_now(assignment, advisor) or _is_self(user, assignment, advisor)


def can_start_contract(user, advisor) -> bool:
    """Record a new contract for an advisor the user sees, with an employer the user manages."""
    return can_view_advisor(user, advisor) and manageable_structures(user).exists()


def can_manage_site_assignments(user, advisor) -> bool:
    """Where an advisor works: the programme team, a current employer, their coordinator, or the advisor."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return (
        _employs_now(assignment, advisor) or _coordinates(assignment, advisor) or _is_self(user, assignment, advisor)
    )


def can_manage_trainings(user, advisor) -> bool:
    """Trainings: the programme team (it pays the initial training), a current employer, or their coordinator."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return _employs_now(assignment, advisor) or _coordinates(assignment, advisor)


def can_view_team(user, team) -> bool:
    return visible_teams(type(team).objects.filter(pk=team.pk), user).exists()


def can_create_team(user) -> bool:
    """Teams are set up by the programme team or by the structure that carries them."""
    return _has_role(user, Role.PROGRAMME_TEAM) or (
        _has_role(user, Role.STRUCTURE_MANAGER) and bool(acting_as(user).scope_id)
    )


def can_edit_team(user, team) -> bool:
    """The programme team, the manager of the carrying structure, or the team's coordinator."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    if assignment.role == Role.STRUCTURE_MANAGER:
        return _scope_is(assignment, team.structure_id)
    return assignment.role == Role.COORDINATOR and _scope_is(assignment, team.pk)


def can_view_team_history(user, team) -> bool:
    """Former members: the programme team and the carrying structure's manager. A coordinator sees the advisors of
    their team only until they leave it (DOMAIN.md "Roles")."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return assignment.role == Role.STRUCTURE_MANAGER and _scope_is(assignment, team.structure_id)


def can_manage_memberships(user, team) -> bool:
    """Who asks an advisor to join a team and records when they leave: whoever may edit the team."""
    return can_edit_team(user, team)


def consents_for(user, advisor) -> bool:
    """Whether the user may accept, for `advisor`, to join a team: the advisor themself, a manager of a structure
    that employs them now, or the programme team. A coordinator never does: a team gives access to its members'
    record and figures, so joining one needs the advisor's or their employer's consent (security review #15)."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    return _employs_now(assignment, advisor) or _is_self(user, assignment, advisor)


def can_decide_membership(user, membership) -> bool:
    """Accept or refuse a membership still requested (once: a decision is not taken back here)."""
    return membership.is_requested and consents_for(user, membership.advisor)
