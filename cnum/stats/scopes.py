"""Which activities a statistic is computed over: the whole country, a région, a département, an employer
structure or one advisor, and a period.

Territories are those of the employer structure stored on the activity (docs/activities.md: the structure is
stored when the activity is recorded, so a later change of contract never moves past figures). An activity whose
structure has no département counts nationally only.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet, TextChoices

from cnum.activities.models import Activity
from cnum.advisors.models import Advisor
from cnum.structures.models import Structure
from cnum.territories.models import Departement, Region


class ScopeKind(TextChoices):
    NATIONAL = "national", "France entière"
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    STRUCTURE = "structure", "Structure employeuse"
    ADVISOR = "advisor", "Conseiller numérique"


SYNTAX = "national, region:<code>, departement:<code>, structure:<siret ou identifiant>, advisor:<identifiant>"


class ScopeError(ValueError):
    """A scope that cannot be read or does not exist; the message is in French, for users."""


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    code: str = ""

    @classmethod
    def parse(cls, text: str) -> "Scope":
        """Read "national", "region:84", "departement:69", "structure:<siret or pk>" or "advisor:<pk>"."""
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
        if kind == ScopeKind.ADVISOR and not code.isdigit():
            raise ScopeError(f"L'identifiant du conseiller doit être un nombre : « {code} ».")
        return cls(ScopeKind(kind), code.upper() if kind == ScopeKind.DEPARTEMENT else code)

    def __str__(self) -> str:
        return self.kind if self.kind == ScopeKind.NATIONAL else f"{self.kind}:{self.code}"

    @property
    def label(self) -> str:
        if self.kind == ScopeKind.NATIONAL:
            return ScopeKind.NATIONAL.label
        return f"{ScopeKind(self.kind).label} {self.code}"

    def check_exists(self) -> None:
        """Raise ScopeError when the région, département, structure or advisor named does not exist."""
        exists = {
            ScopeKind.NATIONAL: lambda: True,
            ScopeKind.REGION: lambda: Region.objects.filter(code=self.code).exists(),
            ScopeKind.DEPARTEMENT: lambda: Departement.objects.filter(code=self.code).exists(),
            ScopeKind.STRUCTURE: lambda: Structure.objects.filter(self._structure_filter("")).exists(),
            ScopeKind.ADVISOR: lambda: Advisor.objects.filter(pk=int(self.code)).exists(),
        }[self.kind]
        if not exists():
            raise ScopeError(f"{ScopeKind(self.kind).label} introuvable : « {self.code} ».")

    def _structure_filter(self, prefix: str) -> Q:
        """A SIRET (or RIDET, RNA) as stored, or the structure's database id when shorter than a SIRET."""
        condition = Q(**{f"{prefix}identifier": self.code})
        if self.code.isdigit() and len(self.code) < 14:
            condition |= Q(**{f"{prefix}pk": int(self.code)})
        return condition


def _example(kind: str) -> str:
    return {"region": "84", "departement": "69", "structure": "12345678900012", "advisor": "42"}[kind]


def activities(scope: Scope, since: datetime.date | None = None, until: datetime.date | None = None) -> QuerySet:
    """The activities of `scope` dated from `since` to `until`, both included (either may be omitted)."""
    queryset = Activity.objects.all()
    if scope.kind == ScopeKind.REGION:
        queryset = queryset.filter(structure__departement__region_id=scope.code)
    elif scope.kind == ScopeKind.DEPARTEMENT:
        queryset = queryset.filter(structure__departement_id=scope.code)
    elif scope.kind == ScopeKind.STRUCTURE:
        queryset = queryset.filter(scope._structure_filter("structure__"))
    elif scope.kind == ScopeKind.ADVISOR:
        queryset = queryset.filter(advisor_id=int(scope.code))
    if since is not None:
        queryset = queryset.filter(date__gte=since)
    if until is not None:
        queryset = queryset.filter(date__lte=until)
    return queryset
