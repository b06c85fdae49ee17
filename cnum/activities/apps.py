from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "cnum.activities"
    label = "activities"
    verbose_name = "Activité"

    def ready(self):
        from cnum.activities import models
        from cnum.core import audit

        audit.register(models.Activity, exclude=["created_at", "updated_at"])
        # Followed beneficiaries hold personal data: the trail records that they changed, never the values, and
        # names them by number (the trail is append-only: a name written there could never be erased).
        audit.register(
            models.Beneficiary,
            exclude=["first_name", "last_name", "birth_year", "phone", "email", "notes", "normalized_name"],
            label=lambda person: f"Bénéficiaire n° {person.pk}",
        )
        from cnum.activities.importers.formats import register_formats

        register_formats()
