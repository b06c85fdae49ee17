from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cnum.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from cnum.accounts.models import RoleAssignment, User
        from cnum.core import audit

        audit.register(User)
        audit.register(RoleAssignment)
