"""One gateway for every ORM write of the models whose rows other layers aggregate (docs/adr/0006).

A model that inherits `Gateway` and whose managers are built on `GatewayQuerySet` announces every write the ORM can
make of it: `save()`, `delete()` (its own and its queryset's, the admin's bulk deletion included), `update()`,
`bulk_create()` and `bulk_update()`. A follower registered with `follow()` wraps each of them: it reads what it needs
before the write and after it (the statistics keep their rollup tables equal to the records this way, without the
lower layers importing them). Cascaded deletions are announced by the model deleted first, whose follower must cover
the rows that go with it.

Not covered, on purpose: raw SQL, and deserialisation with `raw=True` (loaddata), which bypass `save()`.
"""

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import models

_followers: list[Callable[["Write"], AbstractContextManager]] = []


@dataclass
class Write:
    """One write about to happen: its model, the primary keys of the existing rows it touches, the objects it saves
    (their new values; the created ones get their keys once written), and for `update()` its keyword arguments."""

    model: type[models.Model]
    pks: set = field(default_factory=set)
    instances: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    #: The fields written, when known (`update_fields`, `bulk_update`'s fields, `update()`'s keywords).
    fields: set[str] | None = None
    delete: bool = False

    def targets(self, name: str) -> set:
        """The new values of the foreign key `name` this write sets (saved objects and `update()` keywords)."""
        attname = self.model._meta.get_field(name).attname
        found = {getattr(obj, attname) for obj in self.instances}
        for key in (name, attname):
            if key in self.values:
                value = self.values[key]
                found.add(value.pk if isinstance(value, models.Model) else value)
        return {value for value in found if isinstance(value, int | str)}

    def may_change(self, names: Iterable[str]) -> bool:
        """Whether the write may change any of the fields `names` (a deletion or a creation always does)."""
        names = {self.model._meta.get_field(name).name for name in names}
        if self.delete or not self.pks:
            return True
        if self.fields is not None:
            return bool(names & {self.model._meta.get_field(name).name for name in self.fields})
        if not self.instances:
            return True
        attnames = [self.model._meta.get_field(name).attname for name in sorted(names)]
        stored = {
            row[0]: row[1:] for row in self.model._base_manager.filter(pk__in=self.pks).values_list("pk", *attnames)
        }
        return any(
            obj.pk not in stored or stored[obj.pk] != tuple(getattr(obj, name) for name in attnames)
            for obj in self.instances
        )


def follow(follower: Callable[[Write], AbstractContextManager]) -> None:
    """Register `follower(write)`, a context manager entered before each write and left after it."""
    if follower not in _followers:
        _followers.append(follower)


@contextmanager
def writing(model, *, pks: Iterable = (), instances: Iterable = (), values=None, fields=None, delete=False):
    write = Write(model, {pk for pk in pks if pk is not None}, list(instances), dict(values or {}), fields, delete)
    write.fields = set(fields) if fields is not None else None
    with ExitStack() as stack:
        for follower in list(_followers):
            stack.enter_context(follower(write))
        yield write
        write.pks.update(obj.pk for obj in write.instances if obj.pk is not None)


class GatewayQuerySet(models.QuerySet):
    """A queryset whose bulk writes go through the gateway."""

    def _existing(self) -> list:
        return list(self.order_by().values_list("pk", flat=True)) if _followers else []

    def update(self, **kwargs):
        with writing(self.model, pks=self._existing(), values=kwargs, fields=kwargs.keys()):
            return super().update(**kwargs)

    def delete(self):
        with writing(self.model, pks=self._existing(), delete=True):
            return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        objs = list(objs)
        with writing(self.model, pks=[obj.pk for obj in objs], instances=objs, fields=fields):
            return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with writing(self.model, instances=objs):
            return super().bulk_create(objs, *args, **kwargs)


class Gateway(models.Model):
    """A model whose `save()` and `delete()` go through the gateway (give it a GatewayQuerySet manager too)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        existing = [] if self._state.adding else [self.pk]
        with writing(type(self), pks=existing, instances=[self], fields=kwargs.get("update_fields")):
            super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        with writing(type(self), pks=[self.pk], delete=True):
            return super().delete(*args, **kwargs)

    delete.alters_data = True
