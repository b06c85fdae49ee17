"""Home panels of the activity (cnum.core.home): the advisor's recording, last activities and followed people to
see again; the coordinator's members who have not recorded lately; the territories' structures that do not report."""

import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from cnum.accounts.enums import Role
from cnum.accounts.perms import acting_as
from cnum.activities import perms
from cnum.activities.enums import CoordinationKind
from cnum.activities.models import Activity, Beneficiary, CoordinationActivity
from cnum.advisors.models import Advisor, Contract, TeamMembership
from cnum.core.formatting import number
from cnum.core.home import Figure, Link, Panel
from cnum.structures.models import Structure

#: A followed person not accompanied for this long is proposed again to their advisor.
SEE_AGAIN_DAYS = 90
#: An advisor (or a structure) without any activity for this long is shown to who coordinates it (the reminders of
#: cnum.activities.reminders use the same delay).
SILENT_DAYS = 30
LAST_ACTIVITIES = 5
SILENT_LISTED = 10


def advisor_panel(user) -> Panel | None:
    if not acting_as(user, Role.ADVISOR) or getattr(user, "advisor", None) is None:
        return None
    advisor = user.advisor
    recent = Activity.objects.filter(advisor=advisor).select_related("site").order_by("-date", "-pk")[:LAST_ACTIVITIES]
    items = [
        Link(
            f"{activity.date:%d/%m/%Y} — {activity.get_type_display()}",
            reverse("activities:update", kwargs={"pk": activity.pk}),
            detail=activity.site.name if activity.site else activity.get_place_type_display(),
        )
        for activity in recent
    ]
    tasks = [
        Link("Saisir une activité", reverse("activities:create")),
        Link("Mes activités", reverse("activities:list")),
    ]
    to_see = people_to_see_again(advisor).count()
    if to_see:
        to_see_url = f"{reverse('activities:beneficiary_list')}?revoir={SEE_AGAIN_DAYS}"
        tasks.append(Link("Personnes suivies à revoir", to_see_url, number(to_see)))
    return Panel(
        title="Mon activité",
        order=10,
        tasks=tasks,
        items=items,
        items_title="Dernières activités saisies",
        empty="Aucune activité saisie pour l'instant : commencez par « Saisir une activité ».",
    )


def people_to_see_again(advisor: Advisor, *, days: int = SEE_AGAIN_DAYS):
    """The advisor's followed people whose last accompaniment is older than `days`."""
    cutoff = timezone.localdate() - datetime.timedelta(days=days)
    return Beneficiary.objects.filter(advisor=advisor, is_followed=True, erased_at__isnull=True).not_seen_since(cutoff)


def coordinator_panel(user) -> Panel | None:
    assignment = acting_as(user, Role.COORDINATOR)
    if assignment is None or not str(assignment.scope_id).isdigit():
        return None
    today = timezone.localdate()
    members = Advisor.objects.filter(
        pk__in=TeamMembership.objects.accepted().current(today).filter(team_id=assignment.scope_id).values("advisor")
    )
    silent = silent_advisors(members, today=today)
    items = [
        Link(advisor.full_name, reverse("advisors:detail", kwargs={"pk": advisor.pk}), _last_seen(advisor.last_seen))
        for advisor in silent[:SILENT_LISTED]
    ]
    return Panel(
        title="Mon équipe",
        order=20,
        figures=[
            Figure("membres de l'équipe", number(members.count())),
            Figure(f"sans activité depuis {SILENT_DAYS} jours", number(len(silent))),
        ],
        items=items,
        items_title=f"Membres sans activité saisie depuis {SILENT_DAYS} jours",
        empty=f"Chaque membre de l'équipe a saisi une activité ces {SILENT_DAYS} derniers jours.",
        more=Link("Les membres et leurs lieux", reverse("advisors:team_detail", kwargs={"pk": assignment.scope_id})),
    )


def silent_advisors(advisors, *, today: datetime.date) -> list[Advisor]:
    """The advisors without any activity in the last SILENT_DAYS days, the longest silent first."""
    cutoff = today - datetime.timedelta(days=SILENT_DAYS)
    annotated = advisors.annotate(last_seen=Max("activities__date")).filter(
        Q(last_seen__lt=cutoff) | Q(last_seen__isnull=True)
    )
    return sorted(annotated, key=lambda advisor: (advisor.last_seen is not None, advisor.last_seen or today))


def _last_seen(day: datetime.date | None) -> str:
    return f"dernière activité le {day:%d/%m/%Y}" if day else "aucune activité saisie"


TERRITORIAL_ROLES = (Role.PREFECTURE_DEPARTEMENT, Role.PREFECTURE_REGION, Role.HUB, Role.NATIONAL_NETWORK)


def territory_panel(user) -> Panel | None:
    """Structures of the territory whose advisors recorded nothing for SILENT_DAYS days while they employ some."""
    assignment = acting_as(user, *TERRITORIAL_ROLES, Role.STRUCTURE_MANAGER)
    if assignment is None:
        return None
    today = timezone.localdate()
    cutoff = today - datetime.timedelta(days=SILENT_DAYS)
    employing = Structure.objects.visible_to(user).filter(pk__in=Contract.objects.current(today).values("structure"))
    # Correlated on (structure, date), which Activity's index covers: only the scope's structures are looked up,
    # rather than every structure that recorded an activity in the country these 30 days.
    reported = Activity.objects.filter(structure=OuterRef("pk"), date__gte=cutoff)
    silent = employing.filter(~Exists(reported)).order_by("name")
    if assignment.role == Role.STRUCTURE_MANAGER:
        return (
            None
            if not silent.exists()
            else Panel(
                title="Saisie des activités",
                order=30,
                empty=f"Aucune activité n'a été saisie pour votre structure depuis {SILENT_DAYS} jours.",
            )
        )
    count = silent.count()
    return Panel(
        title="Structures qui ne saisissent pas",
        order=40,
        figures=[Figure(f"structures employeuses sans activité depuis {SILENT_DAYS} jours", number(count))],
        items=[
            Link(structure.name, reverse("structures:detail", kwargs={"pk": structure.pk}), structure_place(structure))
            for structure in silent.select_related("commune")[:SILENT_LISTED]
        ],
        items_title="Les premières par ordre alphabétique" if count > SILENT_LISTED else "",
        empty=f"Toutes les structures employeuses du territoire ont saisi des activités ces {SILENT_DAYS} jours.",
    )


def structure_place(structure: Structure) -> str:
    return structure.commune.name if getattr(structure, "commune", None) else ""


def coordination_figures(records, *, since: datetime.date) -> list[Figure]:
    """Counts of coordination activities since `since`: all, then by kind (the kinds with none included), and their
    hours. Live queries: the table is small and no statistic of accompaniments reads it."""
    records = records.filter(date__gte=since)
    by_kind = dict(records.values_list("kind").annotate(count=Count("pk")).values_list("kind", "count"))
    minutes = records.aggregate(minutes=Sum("duration_minutes"))["minutes"] or 0
    figures = [
        Figure("activités de coordination", number(sum(by_kind.values())), hint=f"depuis le {since:%d/%m/%Y}"),
        Figure("heures de coordination", number(round(minutes / 60))),
    ]
    figures += [Figure(kind.label.lower(), number(by_kind.get(kind.value, 0))) for kind in CoordinationKind]
    return figures


def coordination_panel(user) -> Panel | None:
    """The coordinator's records of the year; the programme team's over every team; for a structure or a territory,
    those of the teams it sees, when there are any (issue #21)."""
    assignment = acting_as(user)
    readers = (Role.PROGRAMME_TEAM, *perms.COORDINATION_READERS)
    if assignment is None or (assignment.role not in readers and not perms.can_record_coordination(user)):
        return None
    since = timezone.localdate().replace(month=1, day=1)
    records = CoordinationActivity.objects.visible_to(user)
    if assignment.role in perms.COORDINATION_READERS and not records.filter(date__gte=since).exists():
        return None
    titles = {Role.COORDINATOR: "Activités de coordination", Role.PROGRAMME_TEAM: "Coordination dans le programme"}
    record = Link("Saisir une activité de coordination", reverse("activities:coordination_create"))
    return Panel(
        title=titles.get(assignment.role, "Coordination des équipes"),
        order=25,
        figures=coordination_figures(records, since=since),
        tasks=[record] if assignment.role == Role.COORDINATOR else [],
        more=Link("Toutes les activités de coordination", reverse("activities:coordination_list")),
    )


def connect() -> None:
    from cnum.core import home

    for provider in (advisor_panel, coordinator_panel, coordination_panel, territory_panel):
        home.register(provider)
