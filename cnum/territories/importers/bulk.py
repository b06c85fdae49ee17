"""Bring a table in line with a reference file in a few bulk queries, counting what was created or updated."""

from dataclasses import dataclass

from django.db import models

BATCH_SIZE = 1000


@dataclass
class SyncCounts:
    """What one load did to one table."""

    total: int = 0  # rows in the files
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    missing: int = 0  # rows the database has and the files no longer list: kept, since others may point at them

    def __add__(self, other: "SyncCounts") -> "SyncCounts":
        return SyncCounts(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class NullProgress:
    """Stands in for a progress bar when nobody watches."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def chunks(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sync_rows(
    queryset: models.QuerySet,
    *,
    key_fields: tuple[str, ...],
    fields: tuple[str, ...],
    rows: dict[tuple, dict],
    bar=None,
) -> SyncCounts:
    """Create the rows of `rows` (natural key → field values) that `queryset` lacks and update those that differ.

    Unchanged rows are not written at all, so a second load of the same files writes nothing. Rows the queryset
    has and `rows` lacks are only counted (`missing`): other tables may refer to them.
    """
    bar = bar or NullProgress()
    model = queryset.model
    rows_in_db = queryset.values("pk", *key_fields, *fields)
    existing = {tuple(values[name] for name in key_fields): values for values in rows_in_db}
    to_create, to_update, changed_fields = [], [], set()
    for key, values in rows.items():
        current = existing.get(key)
        if current is None:
            to_create.append(model(**dict(zip(key_fields, key, strict=True)), **values))
            continue
        changed = {name for name, value in values.items() if current[name] != value}
        if changed:
            instance = model(**dict(zip(key_fields, key, strict=True)), **values)
            instance.pk = current["pk"]
            to_update.append(instance)
            changed_fields |= changed
    counts = SyncCounts(total=len(rows), created=len(to_create), updated=len(to_update))
    counts.unchanged = counts.total - counts.created - counts.updated
    counts.missing = len(existing.keys() - rows.keys())
    bar.update(counts.unchanged)
    for batch in chunks(to_create):
        model.objects.bulk_create(batch)
        bar.update(len(batch))
    for batch in chunks(to_update):
        model.objects.bulk_update(batch, sorted(changed_fields))
        bar.update(len(batch))
    return counts
