from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


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


class CnumAdminConfig(admin_apps.AdminConfig):
    """Django's admin with cnum's site: sign-in through cnum and the second factor (accounts/admin_site.py)."""

    default = False  # named in INSTALLED_APPS; AccountsConfig stays this module's default
    default_site = "cnum.accounts.admin_site.SecondFactorAdminSite"
