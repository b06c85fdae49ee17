from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "cnum.activities"
    label = "activities"
    verbose_name = "Activité"

    def ready(self):
        from cnum.activities import models
        from cnum.activities.enums import DemarcheTheme, Equipment, Theme
        from cnum.core import audit

        # Free text may name the people helped: the trail records that it changed, never what it says.
        audit.register(
            models.Activity,
            exclude=["created_at", "updated_at"],
            redact=["title", "redirection_other", "notes"],
            list_choices={
                "themes": Theme.choices,
                "demarche_themes": DemarcheTheme.choices,
                "equipment": Equipment.choices,
            },
        )
        # Followed beneficiaries hold personal data: the trail records that they changed, never the values, and
        # names them by number (the trail is append-only: a name written there could never be erased).
        audit.register(
            models.Beneficiary,
            exclude=["normalized_name"],
            redact=["first_name", "last_name", "birth_year", "commune", "phone", "email", "consent_date", "notes"],
            label=lambda person: f"Bénéficiaire n° {person.pk}",
        )
        audit.register(models.Tag, exclude=["created_at"])
        audit.register(
            models.ActivityTag, label=lambda row: f"Étiquette n° {row.tag_id} de l'activité n° {row.activity_id}"
        )

        # A coordination activity's notes and partners are free text: they may name people.
        audit.register(models.CoordinationActivity, exclude=["created_at", "updated_at"], redact=["partners", "notes"])
        from cnum.activities.importers.formats import register_formats

        register_formats()

        from cnum.activities import home

        home.connect()  # its panels on the home page (cnum.core.home)

        from cnum.activities import jobs as activity_jobs
        from cnum.core import jobs

        activity_jobs.register()  # large exports of the list as background tasks

        # Each reminder is recorded as it leaves (ReminderSent): run twice, the second run sends nothing again.
        jobs.register_command("send_reminders", label="Envoyer les relances d'activité aux conseillers")
