"""The audit trail as people read it: names instead of ids, labels instead of codes, local times.

The trail stores what the models hold (ids, codes, ISO times) and never rewrites it. This presenter resolves them
when the page is shown: every id of a foreign key is replaced by its object's name (`str()`), loaded in one query
per related model for a whole page of events; a code by its choice's label, a list of codes by their labels; a
date or time in the platform's time zone. A field recorded as redacted stays "modifié", without any value.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from cnum.core import audit
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent

EMPTY = "∅"
#: What bulk summaries (audit.record_bulk) count, in words.
SUMMARY_LABELS = {
    "source": "source",
    "created": "créés",
    "updated": "mis à jour",
    "unchanged": "inchangés",
    "deleted": "supprimés",
    "rejected": "rejetés",
    "total": "lus",
}
#: Upload names of an earlier version of the upload page (a random token): the user's file name was not kept.
TOKEN_FILE_NAME = re.compile(r"\b[0-9a-f]{32}(\.\w+)\b")


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: no "before" (a creation's value, a bulk figure, a redacted field)
    new: str


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent
    actor: str
    object_type: str
    object_label: str
    changes: list[Change]


@dataclass
class _Field:
    label: str
    field: models.Field | None


def present(events: list[AuditEvent]) -> list[EventRow]:
    """The rows of a page of events, with two queries per related model at most whatever the number of events."""
    fields = {event.content_type_id: _fields(event.content_type.model_class()) for event in events}
    names = _related_names(events, fields)
    actors = _actor_names(events)
    return [
        EventRow(
            event=event,
            actor=actors.get(event.actor_id) or event.actor_label,
            object_type=event.object_type_label,
            object_label=TOKEN_FILE_NAME.sub(r"déposé\1", event.object_repr),
            changes=_changes(event, fields[event.content_type_id], names),
        )
        for event in events
    ]


def _fields(model) -> dict[str, _Field]:
    if model is None:
        return {}
    found = {}
    for field in model._meta.concrete_fields:
        found[field.attname] = found[field.name] = _Field(str(field.verbose_name), field)
    return found


def _related_names(events, fields) -> dict[type[models.Model], dict[str, str]]:
    """For each related model, id (as text) → name, for every id the page's changes mention."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for event in events:
        if event.action == AuditAction.BULK:
            continue
        for name, values in event.changes.items():
            described = fields[event.content_type_id].get(name)
            if described and described.field.is_relation and isinstance(values, list):
                wanted[described.field.related_model].update(value for value in values if value not in (None, ""))
    names = {}
    for model, ids in wanted.items():
        related = [field.name for field in model._meta.concrete_fields if field.is_relation]
        objects = model._base_manager.select_related(*related).in_bulk(ids)
        names[model] = {str(pk): str(instance) for pk, instance in objects.items()}
    return names


def _actor_names(events) -> dict[int, str]:
    ids = {event.actor_id for event in events if event.actor_id}
    return {pk: str(user) for pk, user in get_user_model()._base_manager.in_bulk(ids).items()} if ids else {}


def _changes(event, fields: dict[str, _Field], names) -> list[Change]:
    rows = []
    for name, values in event.changes.items():
        described = fields.get(name) or _Field(SUMMARY_LABELS.get(name, name), None)
        if event.action == AuditAction.BULK or not isinstance(values, list) or len(values) != 2:
            rows.append(Change(described.label, None, _plain(values)))
        elif name != "id":
            old, new = (_value(described.field, value, names) for value in values)
            if event.action == AuditAction.CREATE and new == EMPTY:
                continue  # an empty list or mapping at creation says nothing
            rows.append(Change(described.label, None if event.action == AuditAction.CREATE else old, new))
    return rows


def _value(field: models.Field | None, value, names) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if field is None:
        return _plain(value)
    if field.is_relation:
        return names.get(field.related_model, {}).get(str(value)) or f"élément supprimé (n° {value})"
    if field.choices:
        return _label(field, value)
    if isinstance(value, list):
        return ", ".join(_label(field, item) for item in value)
    if isinstance(field, models.DateTimeField):
        return _local_time(value)
    if isinstance(field, models.DateField):
        return _date(value)
    return _plain(value)


def _label(field: models.Field, code) -> str:
    choices = dict(field.flatchoices) or audit.list_choices(field)
    return str(choices.get(code, code))


def _local_time(value) -> str:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


def _date(value) -> str:
    try:
        return f"{datetime.date.fromisoformat(str(value)):%d/%m/%Y}"
    except ValueError:
        return str(value)


def _plain(value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{SUMMARY_LABELS.get(key, key)} : {_plain(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    return str(value)
