from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_audit_triggers(sender, using, **kwargs):
    from django.db import connections

    from cnum.core.audit import install_append_only_triggers

    connection = connections[using]
    if "core_auditevent" in connection.introspection.table_names():
        install_append_only_triggers(connection)


class CoreConfig(AppConfig):
    name = "cnum.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from cnum.core import audit, import_jobs, sessions

        audit.connect_database_hooks()
        import_jobs.register()  # web imports as background tasks
        user_logged_in.connect(sessions.signed_in, dispatch_uid="cnum-session-signed-in")
        post_migrate.connect(_reinstall_audit_triggers, sender=self, dispatch_uid="cnum-audit-triggers")
