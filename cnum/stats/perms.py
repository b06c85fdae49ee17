"""Which statistics scopes a user may see, always for the role they act in now (`user.active_role`).

- programme team: every scope, France entière by default;
- prefecture of a région, of a département, territorial hub: their territory and everything inside it (its
  régions when the hub covers them whole, départements, EPCI and communes within them, the structures of those
  départements, their teams and the advisors they employ);
- national network: the network, its member structures, their teams and the advisors they employ;
- structure manager: their structure and its teams; an advisor it employs or employed, only through its structure's
  figures narrowed to that advisor (the activities recorded under the structure: never those of the advisor's
  other employers, security review #15);
- coordinator: their team (the role's scope, and any team whose coordinator is the advisor linked to the user); a
  current member, only through the team's figures narrowed to that member (the days of an accepted membership);
- advisor: their own figures only;
- the anonymous public and users without a role: none (the public statistics page is for them).

A scope narrowed to one advisor (`can_narrow_to_advisor`) is open to whoever sees the scope and the advisor; the
advisor's own scope sent by a coordinator or a structure manager leads to their own scope, narrowed
(`advisor_figures_scope`).

Who is "inside" reuses the registry's rules (cnum.structures.perms, cnum.advisors.perms), so the statistics never
show a structure or an advisor that the registry pages hide.
"""

from collections import Counter

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as
from cnum.advisors.models import Advisor, Team
from cnum.advisors.perms import can_view_advisor, visible_advisors, visible_teams
from cnum.stats.scopes import Scope, ScopeKind
from cnum.structures.models import Structure
from cnum.structures.perms import departement_codes_in_scope, visible_structures
from cnum.territories.models import Commune, Departement

TERRITORIAL_ROLES = (Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION, Role.HUB)
#: Roles that see structures, their teams and advisors through the registry's rules.
REGISTRY_ROLES = (*TERRITORIAL_ROLES, Role.NATIONAL_NETWORK, Role.STRUCTURE_MANAGER)
#: The scope kind each role's own scope object is read as.
ROLE_SCOPE_KINDS = {
    Role.COORDINATOR: ScopeKind.TEAM,
    Role.STRUCTURE_MANAGER: ScopeKind.STRUCTURE,
    Role.PREFECTURE_DEPARTEMENT: ScopeKind.DEPARTEMENT,
    Role.PREFECTURE_REGION: ScopeKind.REGION,
    Role.HUB: ScopeKind.HUB,
    Role.NATIONAL_NETWORK: ScopeKind.NETWORK,
}


def own_advisor(user) -> Advisor | None:
    """The Advisor linked to the user's account, if any."""
    return Advisor.objects.filter(user_id=user.pk).first() if user.is_authenticated else None


def default_scope(user) -> Scope | None:
    """The scope the dashboard opens on: the active role's own scope (None when the role has none)."""
    assignment = acting_as(user)
    if assignment is None:
        return None
    if assignment.role == Role.PROGRAMME_TEAM:
        return Scope(ScopeKind.NATIONAL)
    if assignment.role == Role.ADVISOR:
        advisor = own_advisor(user)
        return Scope(ScopeKind.ADVISOR, str(advisor.pk)) if advisor else None
    if not assignment.scope_id or assignment.role not in ROLE_SCOPE_KINDS:
        return None
    return Scope(ROLE_SCOPE_KINDS[assignment.role], str(assignment.scope_id))


def coordinated_team_ids(user, assignment) -> set[int]:
    """A coordinator's teams: the role's team, and those whose coordinator is the advisor linked to the user."""
    ids = set(Team.objects.filter(coordinator__user_id=user.pk).values_list("pk", flat=True))
    if assignment.scope_id:
        ids.add(int(assignment.scope_id))
    return ids


def can_view(user, scope: Scope) -> bool:
    """Whether the active role may see the statistics of `scope` (module docstring)."""
    assignment = acting_as(user)
    if assignment is None:
        return False
    if assignment.role == Role.PROGRAMME_TEAM:
        return True
    if scope.kind == ScopeKind.NATIONAL:
        return False
    if assignment.role == Role.ADVISOR:
        return scope == default_scope(user)
    if assignment.role == Role.COORDINATOR:
        return _coordinator_sees(user, assignment, scope)
    if assignment.role not in REGISTRY_ROLES:
        return False
    target = scope.object()
    if target is None:
        return False
    if scope.kind == ScopeKind.STRUCTURE:
        return visible_structures(type(target).objects.filter(pk=target.pk), user).exists()
    if scope.kind == ScopeKind.TEAM:
        return visible_teams(Team.objects.filter(pk=target.pk), user).exists()
    if scope.kind == ScopeKind.ADVISOR:
        # A structure reads an advisor through its own figures only (advisor_figures_scope).
        return assignment.role != Role.STRUCTURE_MANAGER and can_view_advisor(user, target)
    if scope.kind in (ScopeKind.HUB, ScopeKind.NETWORK):
        return ROLE_SCOPE_KINDS[assignment.role] == scope.kind and str(assignment.scope_id) == scope.code
    return _territory_inside(assignment, scope)


def viewable(user, scopes: list[Scope]) -> set[Scope]:
    """The scopes of a list the user may see, as can_view says, in one query for structures (named by their id)
    and one for advisors whatever the length of the list; other kinds are checked one by one."""
    assignment = acting_as(user)
    if assignment is None:
        return set()
    if assignment.role == Role.PROGRAMME_TEAM:
        return set(scopes)
    bulk = {ScopeKind.STRUCTURE: [], ScopeKind.ADVISOR: []}
    result = set()
    for scope in scopes:
        if scope.kind == ScopeKind.ADVISOR and assignment.role in (Role.STRUCTURE_MANAGER, Role.COORDINATOR):
            continue  # their own scope, narrowed to the advisor (advisor_figures_scope)
        if scope.kind in bulk and scope.code.isdigit() and assignment.role in REGISTRY_ROLES:
            bulk[scope.kind].append(int(scope.code))
        elif can_view(user, scope):
            result.add(scope)
    structures = visible_structures(Structure.objects.filter(pk__in=bulk[ScopeKind.STRUCTURE]), user)
    result |= {Scope(ScopeKind.STRUCTURE, str(pk)) for pk in structures.values_list("pk", flat=True)}
    advisors = visible_advisors(Advisor.objects.filter(pk__in=bulk[ScopeKind.ADVISOR]), user)
    result |= {Scope(ScopeKind.ADVISOR, str(pk)) for pk in advisors.values_list("pk", flat=True)}
    return result


def _coordinator_sees(user, assignment, scope: Scope) -> bool:
    """Their teams. A member's figures are read through the team, narrowed to them (advisor_figures_scope): the
    team's figures count a member's activities of the days of an accepted membership only."""
    return scope.kind == ScopeKind.TEAM and int(scope.code) in coordinated_team_ids(user, assignment)


def can_narrow_to_advisor(user, scope: Scope, advisor_id: int) -> bool:
    """Whether the user may read `scope` narrowed to one advisor's activities: they see the scope, and the advisor
    in the registry (cnum.advisors.perms: a coordinator their current members, a structure its staff records…)."""
    if not can_view(user, scope):
        return False
    advisor = Advisor.objects.filter(pk=advisor_id).first()
    return advisor is not None and can_view_advisor(user, advisor)


def advisor_figures_scope(user, advisor_id: int) -> Scope | None:
    """Where a coordinator or a structure manager reads an advisor's figures: their own team or structure, narrowed
    to the advisor (None when they may not). The advisor's own scope would show every activity of the advisor —
    before they joined the team, or recorded for another employer."""
    assignment = acting_as(user)
    if assignment is None or assignment.role not in (Role.COORDINATOR, Role.STRUCTURE_MANAGER):
        return None
    own = default_scope(user)
    return own if own is not None and can_narrow_to_advisor(user, own, advisor_id) else None


def _territory_inside(assignment, scope: Scope) -> bool:
    """A région, département, EPCI or commune lying wholly within the départements a territorial role covers."""
    if assignment.role not in TERRITORIAL_ROLES:
        return False
    codes = departement_codes_in_scope(assignment)
    if scope.kind == ScopeKind.DEPARTEMENT:
        return scope.code in codes
    if scope.kind == ScopeKind.REGION:
        inside = set(Departement.objects.filter(region_id=scope.code).values_list("code", flat=True))
    elif scope.kind == ScopeKind.EPCI:
        inside = set(Commune.objects.current().filter(epci_id=scope.code).values_list("departement_id", flat=True))
    elif scope.kind == ScopeKind.COMMUNE:
        inside = set(Commune.objects.current().filter(code=scope.code).values_list("departement_id", flat=True))
    else:
        return False
    return bool(inside) and inside <= codes


#: Roles whose view of the statistics depends on the person, not only on the role and its scope: a coordinator's teams
#: include those the advisor linked to their account coordinates, an advisor sees their own figures and tags.
PERSONAL_ROLES = (Role.ADVISOR, Role.COORDINATOR)


def reader_key(user) -> str:
    """What a dashboard shows of the registry to `user` depends on this only: two users with the same key see the
    same scopes, links, advisors' names and tags (their active role and its scope, and for PERSONAL_ROLES the
    person). The dashboards' cache keys its entries by it (cnum.stats.dashboard_cache), so that no reader is ever
    served a page built for rights other than theirs."""
    assignment = acting_as(user)
    if assignment is None:
        return "none"
    key = f"{assignment.role}:{assignment.scope_type_id or ''}:{assignment.scope_id or ''}"
    return f"{key}:user:{user.pk}" if assignment.role in PERSONAL_ROLES else key


def readable_tags(by_tag: dict[str, int], user) -> dict[str, int]:
    """`by_tag` (counts by tag id) as the user may read it: only the tags it sees (public ones, and the private
    ones of its scope: `Tag.objects.visible_to`), keyed by their names — a name two of them share gets its owner.
    The anonymous public reads none: tags are never on public pages nor in open data (issue #21)."""
    from cnum.activities.models import Tag

    tags = list(
        Tag.objects.visible_to(user)
        .filter(pk__in=[int(pk) for pk in by_tag])
        .select_related("structure", "team")
        .order_by("name", "pk")
    )
    names = Counter(tag.name for tag in tags)
    labels = {str(tag.pk): tag.name if names[tag.name] == 1 else f"{tag.name} ({tag.owner_label()})" for tag in tags}
    return {labels[pk]: count for pk, count in by_tag.items() if pk in labels}
