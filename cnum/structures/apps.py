from django.apps import AppConfig


class StructuresConfig(AppConfig):
    name = "cnum.structures"
    label = "structures"
    verbose_name = "Structures et postes"

    def ready(self):
        from cnum.core import audit
        from cnum.structures import models

        for model in (models.Structure, models.CoselecDecision, models.Post, models.PostAmendment):
            audit.register(model)
