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
        audit.register(models.Structure, exclude=["created_at", "updated_at"])
        for model in (models.CoselecDecision, models.Post, models.PostAmendment):
            audit.register(model)
        imports.register(
            imports.ImportFormat(
                name=csv.FORMAT_NAME,
                label="Structures (CSV)",
                target="structures",
                extensions=(".csv",),
                runner=csv.run,
            )
        )
