from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "cnum.funding"
    label = "funding"
    verbose_name = "Financement"

    def ready(self):
        from cnum.core import audit
        from cnum.funding import models

        for model in (
            models.BudgetProgramme,
            models.BudgetLine,
            models.GrantScheme,
            models.GrantSchemeTranche,
            models.Convention,
            models.ConventionPost,
            models.Instalment,
            models.SimulationScenario,
        ):
            audit.register(model)

        from cnum.funding import home

        home.connect()  # its panels on the home page (cnum.core.home)
