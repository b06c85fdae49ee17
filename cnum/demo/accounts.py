"""The demo accounts: one per role, plus one person holding two roles to show the role switcher."""

from dataclasses import dataclass

from django.db import transaction

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User, scope_model_for

DEMO_PASSWORD = "cnum-demo-2026"
DEMO_DOMAIN = "demo.cnum.fr"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (role, scope primary key or "")


DEMO_ACCOUNTS = [
    DemoAccount(f"conseiller@{DEMO_DOMAIN}", "Camille", "Martin", ((Role.ADVISOR, ""),)),
    DemoAccount(f"coordinateur@{DEMO_DOMAIN}", "Yanis", "Benali", ((Role.COORDINATOR, ""), (Role.ADVISOR, ""))),
    DemoAccount(f"structure@{DEMO_DOMAIN}", "Claire", "Dubois", ((Role.STRUCTURE_MANAGER, ""), (Role.ADVISOR, ""))),
    DemoAccount(f"prefecture-69@{DEMO_DOMAIN}", "Hugo", "Lefèvre", ((Role.PREFECTURE_DEPARTEMENT, "69"),)),
    DemoAccount(f"prefecture-ara@{DEMO_DOMAIN}", "Inès", "Moreau", ((Role.PREFECTURE_REGION, "84"),)),
    DemoAccount(f"hub@{DEMO_DOMAIN}", "Léa", "Girard", ((Role.HUB, ""),)),
    DemoAccount(f"reseau@{DEMO_DOMAIN}", "Nora", "Petit", ((Role.NATIONAL_NETWORK, ""),)),
    DemoAccount(f"national@{DEMO_DOMAIN}", "Paul", "Bernard", ((Role.PROGRAMME_TEAM, ""),)),
]


def demo_accounts_exist() -> bool:
    return User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()


@transaction.atomic
def demo_accounts_create() -> list[User]:
    """Create (or reset) the demo accounts with their roles. Scopes whose model is not installed stay empty."""
    users = []
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            email=account.email, defaults={"first_name": account.first_name, "last_name": account.last_name}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        for role, scope_id in account.roles:
            model = scope_model_for(role)
            assignment = RoleAssignment(user=user, role=role, scope_id=scope_id if model else "")
            assignment.full_clean(validate_constraints=False)
            RoleAssignment.objects.get_or_create(
                user=user, role=role, scope_type=assignment.scope_type, scope_id=assignment.scope_id
            )
        users.append(user)
    return users


def demo_accounts_table() -> list[tuple[str, str, str]]:
    """(e-mail, password, roles) for every demo account, as printed by `make run`."""
    rows = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            continue
        roles = " + ".join(str(a) for a in user.role_assignments)
        rows.append((account.email, DEMO_PASSWORD, roles))
    return rows
