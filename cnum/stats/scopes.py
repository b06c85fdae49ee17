"""Which activities a statistic is computed over: a scope (the whole country, a région, a département, an EPCI, a
commune, a territorial hub, a national network, an employer structure, a team or one advisor), a period and
filters.

Territories are those of the employer structure stored on the activity (docs/activities.md: the structure is
stored when the activity is recorded, so a later change of contract never moves past figures). An activity whose
structure has no département counts nationally only. A hub covers the structures of its départements (those it
lists and those of its régions); a team, the activities its members recorded while they were members (accepted
memberships only: a request awaiting the advisor's or the employer's answer counts nowhere).
"""

import datetime
from dataclasses import dataclass, fields

from django.db.models import Exists, OuterRef, Q, QuerySet, TextChoices

from cnum.activities.enums import ActivityType, PlaceType, Theme
from cnum.activities.models import Activity, ActivityTag
from cnum.advisors.models import Advisor, Team, TeamMembership
from cnum.structures.enums import StructureType
from cnum.structures.models import Hub, Network, Structure
from cnum.territories.models import Commune, Departement, Epci, Region


class ScopeKind(TextChoices):
    NATIONAL = "national", "France entière"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    HUB = "hub", "Hub territorial"
    NETWORK = "network", "Réseau national"
    STRUCTURE = "structure", "Structure employeuse"
    TEAM = "team", "Équipe"
    ADVISOR = "advisor", "Conseiller numérique"


SYNTAX = (
    "national, region:<code>, departement:<code>, epci:<siren>, commune:<code insee>, hub:<id>, network:<id>, "
    "structure:<siret ou identifiant>, team:<id>, advisor:<identifiant>"
)
_NUMERIC = {"hub", "network", "team", "advisor"}


class ScopeError(ValueError):
    """A scope that cannot be read or does not exist; the message is in French, for users."""


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    code: str = ""

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """Read "national", "region:84", "departement:69", "structure:<siret or pk>", "advisor:<pk>"…"""
        kind, _, code = (text or "").strip().partition(":")
        kind, code = kind.strip().lower(), code.strip()
        if kind not in ScopeKind.values:
            raise ScopeError(f"Périmètre inconnu : « {text} ». Périmètres possibles : {SYNTAX}.")
        if kind == ScopeKind.NATIONAL:
            if code:
                raise ScopeError(f"Le périmètre national ne prend pas de code : « {text} ».")
            return cls(ScopeKind.NATIONAL)
        if not code:
            raise ScopeError(f"Précisez le code du périmètre « {kind} », par exemple {kind}:{_example(kind)}.")
        if kind in _NUMERIC and not code.isdigit():
            raise ScopeError(f"L'identifiant du périmètre « {kind} » doit être un nombre : « {code} ».")
        if kind in _NUMERIC:
            code = str(int(code))
        return cls(ScopeKind(kind), code.upper() if kind == ScopeKind.DEPARTEMENT else code)

    def __str__(self) -> str:
        return self.kind if self.kind == ScopeKind.NATIONAL else f"{self.kind}:{self.code}"

    @property
    def label(self) -> str:
        """ "France entière", "Département Rhône (69)", "Conseiller numérique Camille Martin"…"""
        if self.kind == ScopeKind.NATIONAL:
            return ScopeKind.NATIONAL.label
        name = self.name()
        kind = ScopeKind(self.kind).label
        if name.casefold().startswith(kind.casefold()):  # "Équipe de coordination — UDAF", not "Équipe Équipe …"
            return name
        return f"{kind} {name}" if name else f"{kind} {self.code}"

    def name(self) -> str:
        """The name of the territory or object, with its code for territories; "" when it does not exist."""
        obj = self.object()
        if obj is None:
            return ""
        if self.kind in (ScopeKind.REGION, ScopeKind.DEPARTEMENT, ScopeKind.COMMUNE):
            return f"{obj.name} ({self.code})"
        return str(obj)

    def object(self):
        """The région, département, structure, advisor… named by the scope (None: national or not found)."""
        lookups = {
            ScopeKind.REGION: lambda: Region.objects.filter(code=self.code),
            ScopeKind.DEPARTEMENT: lambda: Departement.objects.filter(code=self.code),
            ScopeKind.EPCI: lambda: Epci.objects.filter(siren=self.code),
            ScopeKind.COMMUNE: lambda: Commune.objects.current().filter(code=self.code),
            ScopeKind.HUB: lambda: Hub.objects.filter(pk=int(self.code)),
            ScopeKind.NETWORK: lambda: Network.objects.filter(pk=int(self.code)),
            ScopeKind.STRUCTURE: lambda: Structure.objects.filter(self._structure_filter("")).order_by("pk"),
            ScopeKind.TEAM: lambda: Team.objects.filter(pk=int(self.code)),
            ScopeKind.ADVISOR: lambda: Advisor.objects.filter(pk=int(self.code)),
        }
        if self.kind == ScopeKind.NATIONAL:
            return None
        return lookups[self.kind]().first()

    def check_exists(self) -> None:
        """Raise ScopeError when the territory, structure, team or advisor named does not exist."""
        if self.kind != ScopeKind.NATIONAL and self.object() is None:
            raise ScopeError(f"{ScopeKind(self.kind).label} introuvable : « {self.code} ».")

    def canonical(self) -> "Scope":
        """The same scope with a structure named by its database id (the key of the rollup tables)."""
        if self.kind != ScopeKind.STRUCTURE:
            return self
        structure = self.object()
        if structure is None:
            raise ScopeError(f"{ScopeKind.STRUCTURE.label} introuvable : « {self.code} ».")
        return Scope(ScopeKind.STRUCTURE, str(structure.pk))

    def _structure_filter(self, prefix: str) -> Q:
        """A SIRET (or RIDET, RNA) as stored, or the structure's database id when shorter than a SIRET."""
        condition = Q(**{f"{prefix}identifier": self.code})
        if self.code.isdigit() and len(self.code) < 14:
            condition |= Q(**{f"{prefix}pk": int(self.code)})
        return condition


def _example(kind: str) -> str:
    return {
        "region": "84",
        "departement": "69",
        "epci": "200046977",
        "commune": "69123",
        "hub": "3",
        "network": "2",
        "structure": "12345678900012",
        "team": "7",
        "advisor": "42",
    }[kind]


EMPLOYER_KINDS = {"public": "Employeur public", "private": "Employeur privé"}


def employer_kind(structure_type: str) -> str:
    """ "public" for local authorities, EPCI and public interest groups, else "private" (DOMAIN.md)."""
    return "public" if structure_type in StructureType.public_types() else "private"


@dataclass(frozen=True)
class Filters:
    """Optional restrictions of the activities counted: activity type, place type, employer kind, theme, and one
    advisor (their database id): the scope's activities that advisor recorded. The rollups have no advisor-within-
    a-scope rows, so an advisor filter is always computed live, like a theme."""

    type: str = ""
    place_type: str = ""
    employer_kind: str = ""
    theme: str = ""
    advisor: str = ""
    #: A tag's id: the activities carrying it (issue #21). Whether the reader may see the tag is the page's check.
    tag: str = ""

    CHOICES = {
        "type": dict(ActivityType.choices),
        "place_type": dict(PlaceType.choices),
        "employer_kind": EMPLOYER_KINDS,
        "theme": dict(Theme.choices),
    }

    @classmethod
    def from_mapping(cls, data) -> "Filters":
        """Read filters from a dict or QueryDict, raising ScopeError on an unknown value."""
        values = {}
        for field in fields(cls):
            value = (data.get(field.name) or "").strip()
            if field.name in ("advisor", "tag"):
                if value and not value.isdigit():
                    raise ScopeError(f"L'identifiant « {field.name} » doit être un nombre : « {value} ».")
            elif value and value not in cls.CHOICES[field.name]:
                raise ScopeError(f"Filtre « {field.name} » inconnu : « {value} ».")
            values[field.name] = value
        return cls(**values)

    def __bool__(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))

    def as_dict(self) -> dict[str, str]:
        return {field.name: getattr(self, field.name) for field in fields(self) if getattr(self, field.name)}

    @property
    def needs_live(self) -> bool:
        """The rollup tables cannot answer these filters (no theme, tag nor advisor-within-a-scope dimension)."""
        return bool(self.theme or self.advisor or self.tag)

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.advisor:
            queryset = queryset.filter(advisor_id=int(self.advisor))
        if self.type:
            queryset = queryset.filter(type=self.type)
        if self.place_type:
            queryset = queryset.filter(place_type=self.place_type)
        if self.employer_kind:
            public = Q(structure__type__in=StructureType.public_types())
            queryset = queryset.filter(public if self.employer_kind == "public" else ~public)
        if self.theme:
            # JSON containment differs between engines; an exact match on the quoted value works on both.
            queryset = queryset.filter(themes__icontains=f'"{self.theme}"')
        if self.tag:
            queryset = queryset.filter(pk__in=ActivityTag.objects.filter(tag_id=int(self.tag)).values("activity_id"))
        return queryset


def activities(
    scope: Scope,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    filters: Filters | None = None,
) -> QuerySet:
    """The activities of `scope` dated from `since` to `until`, both included (either may be omitted)."""
    queryset = Activity.objects.all()
    code = scope.code
    if scope.kind == ScopeKind.REGION:
        queryset = queryset.filter(structure__departement__region_id=code)
    elif scope.kind == ScopeKind.DEPARTEMENT:
        queryset = queryset.filter(structure__departement_id=code)
    elif scope.kind == ScopeKind.EPCI:
        queryset = queryset.filter(structure__commune__epci_id=code)
    elif scope.kind == ScopeKind.COMMUNE:
        queryset = queryset.filter(structure__commune__code=code)
    elif scope.kind == ScopeKind.HUB:
        hub = Hub.objects.filter(pk=int(code)).first()
        queryset = queryset.filter(structure__departement_id__in=hub.departement_codes() if hub else ())
    elif scope.kind == ScopeKind.NETWORK:
        members = Structure.networks.through.objects.filter(network_id=int(code))
        queryset = queryset.filter(structure_id__in=members.values("structure_id"))
    elif scope.kind == ScopeKind.STRUCTURE:
        # The ids first: "identifier = code OR id = code" across the join would keep the database from its index.
        structures = Structure.objects.filter(scope._structure_filter("")).values_list("pk", flat=True)
        queryset = queryset.filter(structure_id__in=list(structures))
    elif scope.kind == ScopeKind.TEAM:
        member = TeamMembership.objects.accepted().filter(
            Q(end__isnull=True) | Q(end__gte=OuterRef("date")),
            team_id=int(code),
            advisor_id=OuterRef("advisor_id"),
            start__lte=OuterRef("date"),
        )
        queryset = queryset.filter(Exists(member))
    elif scope.kind == ScopeKind.ADVISOR:
        queryset = queryset.filter(advisor_id=int(code))
    if since is not None:
        queryset = queryset.filter(date__gte=since)
    if until is not None:
        queryset = queryset.filter(date__lte=until)
    return (filters or Filters()).apply(queryset)
