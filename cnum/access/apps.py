from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Invitations, access requests and the accounts page (/comptes/): who may grant which role is in rules.py.

    This app sits above the registry (pyproject.toml, import-linter) because granting a role depends on it: a
    structure manager's accounts are those of their structure, an advisor's role follows their contract.
    """

    name = "cnum.access"
    label = "access"
    verbose_name = "Invitations et demandes d'accès"

    def ready(self):
        from cnum.access import models
        from cnum.core import audit

        # Addresses, messages and reasons are personal data or free text: recorded as changed, never their value.
        audit.register(
            models.Invitation,
            exclude=["token_hash"],
            redact=["email"],
            label=lambda invitation: f"Invitation n° {invitation.pk}",
        )
        audit.register(
            models.AccessRequest,
            redact=["message", "reason"],
            label=lambda access_request: f"Demande d'accès n° {access_request.pk}",
        )
