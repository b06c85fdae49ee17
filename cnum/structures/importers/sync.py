"""Apply checked structure rows to the database: match, compare, then write everything in one transaction.

Shared by the structure importers. A row matches an existing structure by its id in the source when it has one,
else by its identifier (SIRET, RIDET, RNA); only the columns the file has are compared and written, so a file
without a `hub` column leaves hubs alone. Writes go through bulk queries and leave one summary event in the audit
trail; a second run of the same file finds everything unchanged and writes nothing.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cnum.core import audit
from cnum.core.imports import ImportReport
from cnum.structures.importers.values import key
from cnum.structures.models import Network, Structure
from cnum.territories.models import Commune

BATCH_SIZE = 500


@dataclass
class StructureRow:
    line: int
    values: dict  # model field → value, for the columns the file has
    networks: list[str] | None = None  # national network names; None when the file has no such column
    source_id: str = ""


@dataclass
class Plan:
    creates: list[tuple[StructureRow, Structure]] = field(default_factory=list)
    updates: list[tuple[StructureRow, Structure, set[str]]] = field(default_factory=list)
    unchanged: int = 0
    new_networks: dict[str, str] = field(default_factory=dict)  # key → name as first written


def structures_sync(rows: list[StructureRow], *, report: ImportReport, dry_run: bool, source: str, description: str):
    """Create or update the structures of `rows`, counting in `report`; with dry_run, count only."""
    _add_departements(rows)
    networks = {key(network.name): network for network in Network.objects.all()}
    plan = Plan()
    for row, structure in _match(rows, report, source):
        _plan_row(plan, row, structure, networks, source)
    for network_key, name in plan.new_networks.items():
        line = next(row.line for row in rows if row.networks and network_key in map(key, row.networks))
        report.warn(line, f"Réseau national « {name} » inconnu : {'serait créé' if dry_run else 'créé'}.")
    report.created, report.updated, report.unchanged = len(plan.creates), len(plan.updates), plan.unchanged
    if dry_run or not (plan.creates or plan.updates):
        return
    with transaction.atomic():
        _write(plan, networks)
        audit.record_bulk(
            Structure,
            summary={
                "créées": report.created,
                "mises à jour": report.updated,
                "inchangées": report.unchanged,
                "rejetées": len(report.rejected),
            },
            description=description,
        )


def _add_departements(rows: list[StructureRow]) -> None:
    """The département follows the commune (Structure.save does it one by one; bulk writes do not call it)."""
    commune_ids = {row.values["commune_id"] for row in rows if "commune_id" in row.values}
    departements = dict(Commune.objects.filter(pk__in=commune_ids).values_list("pk", "departement_id"))
    for row in rows:
        if "commune_id" in row.values:
            row.values["departement_id"] = departements[row.values["commune_id"]]


def _match(rows: list[StructureRow], report: ImportReport, source: str):
    """(row, existing structure or None) for each row that designates one structure only; others are rejected."""
    source_ids = [row.source_id for row in rows if row.source_id]
    identifiers = [row.values["identifier"] for row in rows]
    by_source_id = {
        structure.source_id: structure
        for structure in Structure.objects.filter(source=source, source_id__in=source_ids).prefetch_related("networks")
    }
    by_identifier = {
        structure.identifier: structure
        for structure in Structure.objects.filter(identifier__in=identifiers).prefetch_related("networks")
    }
    claimed: dict[int, int] = {}
    for row in rows:
        identifier = row.values["identifier"]
        structure = by_source_id.get(row.source_id) if row.source_id else None
        owner = by_identifier.get(identifier)
        if structure is not None and owner is not None and owner.pk != structure.pk:
            report.reject(
                row.line,
                f"L'identifiant {identifier} est déjà celui de la structure « {owner} » (n° {owner.pk}), "
                f"pas de celle d'id « {row.source_id} » (n° {structure.pk}).",
                identifier,
            )
            continue
        structure = structure or owner
        if structure is not None and structure.pk in claimed:
            report.reject(row.line, f"Désigne la même structure que la ligne {claimed[structure.pk]}.", identifier)
            continue
        if structure is not None:
            claimed[structure.pk] = row.line
        yield row, structure


def _plan_row(plan: Plan, row: StructureRow, structure: Structure | None, networks: dict, source: str) -> None:
    values = dict(row.values)
    if row.source_id:
        values.update(source=source, source_id=row.source_id)
    elif structure is None:
        values["source"] = source
    if row.networks is not None:
        for name in row.networks:
            if key(name) not in networks:
                plan.new_networks.setdefault(key(name), name)
    if structure is None:
        plan.creates.append((row, Structure(**values)))
        return
    changed = {name for name, value in values.items() if getattr(structure, name) != value}
    if row.networks is not None:
        current = {key(network.name) for network in structure.networks.all()}
        if current != {key(name) for name in row.networks}:
            changed.add("networks")
    if not changed:
        plan.unchanged += 1
        return
    for name in changed - {"networks"}:
        setattr(structure, name, values[name])
    plan.updates.append((row, structure, changed))


def _write(plan: Plan, networks: dict) -> None:
    for network in Network.objects.bulk_create([Network(name=name) for name in plan.new_networks.values()]):
        networks[key(network.name)] = network
    created = Structure.objects.bulk_create([structure for _, structure in plan.creates], batch_size=BATCH_SIZE)
    now = timezone.now()
    fields = set().union(*(changed for _, _, changed in plan.updates)) - {"networks"}
    for _, structure, _ in plan.updates:
        structure.updated_at = now
    Structure.objects.bulk_update(
        [structure for _, structure, _ in plan.updates], [*sorted(fields), "updated_at"], batch_size=BATCH_SIZE
    )
    memberships = [
        (structure, row.networks) for (row, _), structure in zip(plan.creates, created, strict=True) if row.networks
    ]
    memberships += [(structure, row.networks) for row, structure, changed in plan.updates if "networks" in changed]
    through = Structure.networks.through
    through.objects.filter(
        structure_id__in=[structure.pk for _, structure, changed in plan.updates if "networks" in changed]
    ).delete()
    through.objects.bulk_create(
        [
            through(structure_id=structure.pk, network_id=networks[key(name)].pk)
            for structure, names in memberships
            for name in names
        ],
        ignore_conflicts=True,
        batch_size=BATCH_SIZE,
    )
