from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AdvisorsConfig(AppConfig):
    name = "cnum.advisors"
    label = "advisors"
    verbose_name = "Conseillers"

    def ready(self):
        from cnum.accounts.enums import Role
        from cnum.advisors import models, perms, services
        from cnum.core import audit
        from cnum.structures.perms import register_scope_filter

        # Names and contacts are recorded as changed, never with their value; the advisor is named by number.
        audit.register(
            models.Advisor,
            redact=["first_name", "last_name", "email", "phone"],
            label=lambda advisor: f"Conseiller n° {advisor.pk}",
        )
        for model in (
            models.Contract,
            models.SiteAssignment,
            models.Team,
            models.TeamMembership,
            models.Training,
        ):
            audit.register(model)

        # The registry cannot see contracts or teams: tell it which structures these two roles see.
        register_scope_filter(Role.ADVISOR, perms.advisor_employers)
        register_scope_filter(Role.COORDINATOR, perms.team_employers)

        # Safety net for Post.vacant_since: contracts saved or deleted outside the services (services.py).
        post_save.connect(services.on_contract_saved, sender=models.Contract, dispatch_uid="advisors-vacancy-save")
        post_delete.connect(
            services.on_contract_deleted, sender=models.Contract, dispatch_uid="advisors-vacancy-delete"
        )
