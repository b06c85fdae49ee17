"""The demo accounts: one per role, plus one person holding two roles to show the role switcher."""

from dataclasses import dataclass

from django.db import transaction

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User

DEMO_PASSWORD = "cnum-demo-2026"
DEMO_DOMAIN = "demo.cnum.fr"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (role, scope key in the `scopes` given to demo_accounts_create, or "")
    advisor: str = ""  # key of the Advisor this person is, in `scopes`


DEMO_ACCOUNTS = [
    DemoAccount(f"conseiller@{DEMO_DOMAIN}", "Camille", "Martin", ((Role.ADVISOR, ""),), advisor="advisor"),
    DemoAccount(
        f"coordinateur@{DEMO_DOMAIN}",
        "Yanis",
        "Benali",
        ((Role.COORDINATOR, "team"), (Role.ADVISOR, "")),
        advisor="coordinator",
    ),
    DemoAccount(
        f"structure@{DEMO_DOMAIN}",
        "Claire",
        "Dubois",
        ((Role.STRUCTURE_MANAGER, "structure"), (Role.ADVISOR, "")),
        advisor="manager_advisor",
    ),
    DemoAccount(f"prefecture-69@{DEMO_DOMAIN}", "Hugo", "Lefèvre", ((Role.PREFECTURE_DEPARTEMENT, "departement"),)),
    DemoAccount(f"prefecture-ara@{DEMO_DOMAIN}", "Inès", "Moreau", ((Role.PREFECTURE_REGION, "region"),)),
    DemoAccount(f"hub@{DEMO_DOMAIN}", "Léa", "Girard", ((Role.HUB, "hub"),)),
    DemoAccount(f"reseau@{DEMO_DOMAIN}", "Nora", "Petit", ((Role.NATIONAL_NETWORK, "network"),)),
    DemoAccount(f"national@{DEMO_DOMAIN}", "Paul", "Bernard", ((Role.PROGRAMME_TEAM, ""),)),
]


def demo_accounts_exist() -> bool:
    return User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()


@transaction.atomic
def demo_accounts_create(*, scopes: dict) -> list[User]:
    """Create (or reset) the demo accounts, their roles within `scopes` (key → object) and their advisor record."""
    users = []
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(
            email=account.email, defaults={"first_name": account.first_name, "last_name": account.last_name}
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        for role, scope_key in account.roles:
            scope = scopes.get(scope_key) if scope_key else None
            assignment = RoleAssignment(user=user, role=role, scope_id=str(scope.pk) if scope is not None else "")
            assignment.full_clean(validate_constraints=False)
            RoleAssignment.objects.get_or_create(
                user=user, role=role, scope_type=assignment.scope_type, scope_id=assignment.scope_id
            )
        advisor = scopes.get(account.advisor) if account.advisor else None
        if advisor is not None:
            advisor.first_name, advisor.last_name, advisor.email = account.first_name, account.last_name, account.email
            advisor.user = user
            advisor.save()
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
