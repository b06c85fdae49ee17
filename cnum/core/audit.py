"""Audit trail: who changed what, when, old value → new value.

Models opt in with `audit.register(Model, exclude=[...], redact=[...])`. Saves and deletes through the ORM are
recorded by signals; bulk work (imports, loaders) records one summary event with `audit.record_bulk(...)`. The acting
person or command is held in a context variable, set by the request middleware or the management-command base class.

The table is append-only in the database itself: triggers created by migration core.0002 reject every UPDATE,
and every DELETE unless the application opened `audit_maintenance()` on that connection (test-database flush and
`demo --reset` only). A client without cnum's SQLite function, or a PostgreSQL session without the maintenance
setting, cannot delete rows.

Because nothing written here can be erased, personal data and free text never are: a field listed in `redact`
(names, contacts, notes, comments, a followed person's commune…) is recorded as REDACTED, "changed", without its
old or new value; a field listed in `exclude` is not recorded at all (derived or noisy columns).
"""

import contextlib
import contextvars
import datetime
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save, pre_save

from cnum.core import bulk
from cnum.core.enums import AuditAction


@dataclass(frozen=True)
class Actor:
    label: str
    user_id: int | None = None


SYSTEM = Actor(label="système")
_current_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("cnum_audit_actor", default=SYSTEM)
_registry: dict[type[models.Model], frozenset[str]] = {}
_redacted: dict[type[models.Model], frozenset[str]] = {}
_labels: dict[type[models.Model], Callable[[models.Model], str]] = {}
_list_choices: dict[type[models.Model], dict[str, dict]] = {}
_maintenance = contextvars.ContextVar("cnum_audit_maintenance", default=False)
ALWAYS_EXCLUDED = frozenset({"password", "last_login"})
REDACTED = "modifié"


def current_actor() -> Actor:
    return _current_actor.get()


@contextlib.contextmanager
def acting_as(actor: Actor):
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)


def actor_for_user(user) -> Actor:
    return Actor(label=user.get_username(), user_id=user.pk)


def register(
    model: type[models.Model],
    *,
    exclude: list[str] | tuple[str, ...] = (),
    redact: list[str] | tuple[str, ...] = (),
    label: Callable[[models.Model], str] = str,
    list_choices: dict[str, list[tuple[str, str]]] | None = None,
) -> type[models.Model]:
    """Record every ORM create, update and delete of `model` in the audit trail.

    `redact` lists the fields holding personal data or free text: the trail says they changed, never their value
    (the trail is append-only, so a value written there could never be erased, GDPR art. 17). `label` names the
    object in the trail (its str() by default; models holding personal data name it without them). `list_choices`
    gives the choices of fields holding a list of codes (JSON lists), for the trail to show their labels."""
    _registry[model] = frozenset(exclude) | ALWAYS_EXCLUDED
    _redacted[model] = frozenset(_names_and_attnames(model, redact))
    _labels[model] = label
    _list_choices[model] = {name: dict(choices) for name, choices in (list_choices or {}).items()}
    pre_save.connect(_remember_old_values, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
    post_save.connect(_record_save, sender=model, dispatch_uid=f"audit-save-{model._meta.label}")
    post_delete.connect(_record_delete, sender=model, dispatch_uid=f"audit-delete-{model._meta.label}")
    return model


def is_registered(model: type[models.Model]) -> bool:
    return model in _registry


def list_choices(field: models.Field) -> dict:
    """Code → label for a field holding a list of codes, as registered; {} for any other field."""
    return _list_choices.get(field.model, {}).get(field.name, {})


def is_hidden(model: type[models.Model], field_name: str) -> bool:
    """Whether the trail never holds this field's value (excluded or redacted)."""
    return field_name in _registry[model] or field_name in _redacted[model]


def _names_and_attnames(model, names) -> set[str]:
    """A foreign key is stored under its attname (`commune_id`): accept and cover both spellings."""
    covered = set(names)
    for name in names:
        field = model._meta.get_field(name)
        covered |= {field.name, field.attname}
    return covered


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def _field_values(instance) -> dict:
    excluded = _registry[type(instance)]
    return {
        field.attname: _jsonable(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in excluded and field.name not in excluded
    }


def _remember_old_values(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        instance._audit_old_values = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_old_values = _field_values(old) if old is not None else None


def _redact(model, changes: dict) -> dict:
    redacted = _redacted[model]
    return {name: REDACTED if name in redacted else values for name, values in changes.items()}


def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    new_values = _field_values(instance)
    old_values = getattr(instance, "_audit_old_values", None)
    if created or old_values is None:
        changes = {name: [None, value] for name, value in new_values.items() if value not in (None, "")}
        _write(instance, AuditAction.CREATE, _redact(sender, changes))
        return
    changes = {
        name: [old_values.get(name), value] for name, value in new_values.items() if old_values.get(name) != value
    }
    if changes:
        _write(instance, AuditAction.UPDATE, _redact(sender, changes))


def _record_delete(sender, instance, **kwargs):
    changes = {name: [value, None] for name, value in _field_values(instance).items() if value not in (None, "")}
    _write(instance, AuditAction.DELETE, _redact(sender, changes))


def record_created(instance) -> None:
    """Record the creation of `instance`, written without `save()` (cnum.core.bulk.insert_object), as the signal of
    its save would have."""
    if type(instance) in _registry:
        _record_save(type(instance), instance, created=True)


def _write(instance, action: str, changes: dict):
    from cnum.core.models import AuditEvent

    actor = current_actor()
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=_labels.get(type(instance), str)(instance)[:300],
        changes=changes,
    )
    bulk.insert_object(event)  # the INSERT's text built once: an event is written at every recording (issue #20)


def record_bulk(model: type[models.Model], *, summary: dict, description: str = ""):
    """Record one event for work done in bulk (bulk_create/update bypass the per-row signals)."""
    from cnum.core.models import AuditEvent

    actor = current_actor()
    return AuditEvent.objects.create(
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        action=AuditAction.BULK,
        content_type=ContentType.objects.get_for_model(model),
        object_repr=(description or model._meta.verbose_name_plural)[:300],
        changes=_jsonable(summary),
    )


# --- append-only enforcement -------------------------------------------------------------------------------

SQLITE_MAINTENANCE_FUNCTION = "cnum_audit_maintenance"
POSTGRES_MAINTENANCE_SETTING = "cnum.audit_maintenance"


def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_MAINTENANCE_FUNCTION, 0, lambda: 1 if _maintenance.get() else 0, deterministic=False
        )


def connect_database_hooks():
    connection_created.connect(_register_sqlite_function, dispatch_uid="cnum-audit-sqlite-function")


@contextlib.contextmanager
def audit_maintenance(using=None):
    """Allow deleting audit rows on this connection for the duration (test flush, `demo --reset`). Never in views."""
    conn = connections[using or "default"]
    token = _maintenance.set(True)
    if conn.vendor == "postgresql":
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [POSTGRES_MAINTENANCE_SETTING])
    try:
        yield
    finally:
        _maintenance.reset(token)
        if conn.vendor == "postgresql" and conn.connection is not None:
            with conn.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', false)", [POSTGRES_MAINTENANCE_SETTING])


SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'Journal d''audit en ajout seul : modification refusée'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
       WHEN NOT {SQLITE_MAINTENANCE_FUNCTION}()
       BEGIN SELECT RAISE(ABORT, 'Journal d''audit en ajout seul : suppression refusée'); END""",
]
POSTGRES_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION cnum_audit_append_only() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'TRUNCATE')
             AND coalesce(current_setting('{POSTGRES_MAINTENANCE_SETTING}', true), 'off') = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NULL;
          END IF;
          RAISE EXCEPTION 'Journal d''audit en ajout seul : % refusé', TG_OP USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent",
    """CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION cnum_audit_append_only()""",
    "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent",
    """CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION cnum_audit_append_only()""",
]


def install_append_only_triggers(schema_connection) -> None:
    """Create (idempotently) the triggers that make core_auditevent append-only.

    Called by migration core.0002 and again after every `migrate`, because SQLite drops a table's triggers
    when a later migration rebuilds the table.
    """
    statements = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(schema_connection.vendor)
    if statements is None:
        raise NotImplementedError(f"Base non prise en charge pour le journal d'audit : {schema_connection.vendor}")
    with schema_connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
