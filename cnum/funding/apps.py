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

        from cnum.core import jobs

        # Each e-mail is recorded as it leaves (CampaignMessage): run twice, the second run sends nothing again.
        jobs.register_command("send_campaign_reminders", label="Envoyer les relances des campagnes de renouvellement")
