from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cnum.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from cnum.accounts.models import RoleAssignment, User
        from cnum.core import audit

        # Names and e-mail are recorded as changed, never with their value; the account is named by number.
        audit.register(
            User,
            redact=["email", "first_name", "last_name", "proconnect_sub"],
            label=lambda user: f"Compte n° {user.pk}",
        )
        audit.register(RoleAssignment)
