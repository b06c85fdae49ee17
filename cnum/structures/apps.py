from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "cnum.structures"
    label = "structures"
    verbose_name = "Structures et postes"

    def ready(self):
        from cnum.core import audit, imports
        from cnum.structures import models
        from cnum.structures.importers import csv

        # The audit event carries its own date: the row's timestamps would only repeat it.
        # The contact person's details and free-text comments are recorded as changed, never with their value.
        audit.register(
            models.Structure,
            exclude=["created_at", "updated_at"],
            redact=["contact_first_name", "contact_last_name", "contact_role", "contact_email", "contact_phone"],
        )
        audit.register(models.CoselecDecision, redact=["comment"])
        audit.register(models.Post)
        audit.register(models.PostAmendment, redact=["reason", "prefecture_comment"])
        imports.register(
            imports.ImportFormat(
                name=csv.FORMAT_NAME,
                label="Structures (CSV)",
                target="structures",
                extensions=(".csv",),
                runner=csv.run,
                columns=csv.IMPORT_COLUMNS,
            )
        )

        from cnum.structures import home

        home.connect()  # its panels on the home page (cnum.core.home)
