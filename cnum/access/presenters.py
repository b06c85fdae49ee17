"""The accounts of a scope, built once and rendered as the /comptes/ page, its CSV export and `users --json`."""

import dataclasses
import datetime

from django.db.models import Exists, OuterRef, Prefetch
from django_otp.plugins.otp_totp.models import TOTPDevice

from cnum.access import visibility
from cnum.access.enums import AccountStatus
from cnum.accounts.models import RoleAssignment

CSV_HEADER = ["Adresse électronique", "Nom", "Rôles", "État", "Dernière connexion", "Double authentification"]


@dataclasses.dataclass
class AccountRow:
    email: str
    name: str
    roles: list[str]
    status: AccountStatus
    last_login: datetime.datetime | None
    second_factor: bool
    account: object = None
    invitation: object = None

    def as_csv(self) -> list:
        return [
            self.email,
            self.name,
            " ; ".join(self.roles),
            self.status.label,
            self.last_login.strftime("%d/%m/%Y %H:%M") if self.last_login else "",
            "oui" if self.second_factor else "non",
        ]

    def as_json(self) -> dict:
        return {
            "email": self.email,
            "name": self.name,
            "roles": self.roles,
            "status": str(self.status),
            "last_login": self.last_login.isoformat() if self.last_login else None,
            "second_factor": self.second_factor,
        }


def _role_label(assignment) -> str:
    return f"{assignment.get_role_display()} — {assignment.scope_label}"


def account_rows(user) -> list[AccountRow]:
    """Pending invitations first, then the accounts, of the scope of `user`'s active role."""
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    roles = RoleAssignment.objects.select_related("scope_type").prefetch_related("scope")
    accounts = (
        visibility.visible_accounts(user)
        .annotate(has_device=Exists(devices))
        .prefetch_related(Prefetch("roles", queryset=roles))
        .order_by("email")
    )
    invitations = visibility.visible_invitations(user).pending().select_related("invited_by").order_by("email")
    rows = [
        AccountRow(
            email=invitation.email,
            name="",
            roles=[f"{invitation.get_role_display()} — {invitation.scope_label}"],
            status=AccountStatus.INVITED,
            last_login=None,
            second_factor=False,
            invitation=invitation,
        )
        for invitation in invitations
    ]
    for account in accounts:
        rows.append(
            AccountRow(
                email=account.email,
                name=account.get_full_name(),
                roles=[_role_label(assignment) for assignment in account.roles.all()],
                status=AccountStatus.ACTIVE if account.is_active else AccountStatus.DEACTIVATED,
                last_login=account.last_login,
                second_factor=account.has_device,
                account=account,
            )
        )
    return rows
