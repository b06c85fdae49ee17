"""The programme's registry figures for a scope on a date: advisors in post, posts granted and filled (activation
rate), structures and posts by employer kind. Live counts over the registry (a few thousand rows nationally), not
rollups."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cnum.advisors.models import Contract, TeamMembership
from cnum.stats.indicators import round_shares
from cnum.stats.scopes import Scope, ScopeKind
from cnum.structures.enums import StructureType
from cnum.structures.models import Hub, Post, Structure


def structures_of(scope: Scope) -> QuerySet:
    """The employer structures of a territorial, network or structure scope (all of them nationally)."""
    structures = Structure.objects.all()
    code = scope.code
    if scope.kind == ScopeKind.REGION:
        return structures.filter(departement__region_id=code)
    if scope.kind == ScopeKind.DEPARTEMENT:
        return structures.filter(departement_id=code)
    if scope.kind == ScopeKind.EPCI:
        return structures.filter(commune__epci_id=code)
    if scope.kind == ScopeKind.COMMUNE:
        return structures.filter(commune__code=code)
    if scope.kind == ScopeKind.HUB:
        hub = Hub.objects.filter(pk=int(code)).first()
        return structures.filter(departement_id__in=hub.departement_codes() if hub else ())
    if scope.kind == ScopeKind.NETWORK:
        return structures.filter(networks=int(code))
    if scope.kind == ScopeKind.STRUCTURE:
        return structures.filter(scope._structure_filter(""))
    return structures


def current_contracts(scope: Scope, on: datetime.date) -> QuerySet:
    """Contracts running on `on` within the scope (a team: those of its members on that day)."""
    contracts = Contract.objects.current(on)
    if scope.kind == ScopeKind.ADVISOR:
        return contracts.filter(advisor_id=int(scope.code))
    if scope.kind == ScopeKind.TEAM:
        members = (
            TeamMembership.objects.accepted()
            .current(on)
            .filter(team_id=int(scope.code), advisor_id=OuterRef("advisor_id"))
        )
        return contracts.filter(Exists(members))
    return contracts.filter(structure__in=structures_of(scope))


def programme_figures(scope: Scope, on: datetime.date | None = None) -> dict:
    """Conseillers en poste : conseillers ayant un contrat en cours à la date. Postes accordés : postes
    cofinancés actifs (non rendus) des structures du périmètre ; postes pourvus : ceux qu'occupe un contrat en
    cours ; taux d'activation : postes pourvus / postes accordés. Structures et postes par type d'employeur
    (public : collectivités, EPCI, GIP ; privé : les autres)."""
    on = on or timezone.localdate()
    contracts = current_contracts(scope, on)
    advisors = contracts.values("advisor_id").distinct().count()
    if scope.kind in (ScopeKind.ADVISOR, ScopeKind.TEAM):
        structure_ids = contracts.values("structure_id")
        structures = Structure.objects.filter(pk__in=structure_ids)
        posts = Post.objects.filter(pk__in=contracts.values("post_id"))
    else:
        structures = structures_of(scope)
        posts = Post.objects.filter(structure__in=structures)
    posts = posts.filter(granted_on__lte=on).filter(Q(returned_on__isnull=True) | Q(returned_on__gt=on))
    public = StructureType.public_types()
    # One query per table: the counts are filters of the same aggregate.
    filled = Exists(Contract.objects.current(on).filter(post_id=OuterRef("pk")))
    post_counts = posts.aggregate(
        granted=Count("pk", distinct=True),
        filled=Count("pk", filter=filled, distinct=True),
        public=Count("pk", filter=Q(structure__type__in=public), distinct=True),
    )
    granted = post_counts["granted"]
    structure_counts = (
        structures.filter(posts__in=posts)
        .order_by()
        .aggregate(all=Count("pk", distinct=True), public=Count("pk", filter=Q(type__in=public), distinct=True))
    )
    structure_split = {
        "public": structure_counts["public"],
        "private": structure_counts["all"] - structure_counts["public"],
    }
    post_split = {"public": post_counts["public"], "private": granted - post_counts["public"]}
    return {
        "on": on.isoformat(),
        "advisors_in_post": advisors,
        "posts_granted": granted,
        "posts_filled": post_counts["filled"],
        "activation_rate": post_counts["filled"] / granted if granted else None,
        "structures_by_employer": {**structure_split, "shares": round_shares(structure_split)},
        "posts_by_employer": {**post_split, "shares": round_shares(post_split)},
    }
