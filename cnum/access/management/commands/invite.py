from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from cnum.access import rules, services
from cnum.accounts.enums import Role
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = (
        "Invite une personne par courriel à un rôle sur un périmètre (comme sur la page des comptes) et affiche le "
        "lien envoyé. Exemple : invite --email a@b.fr --role structure_manager --scope structure:12345678900012"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--scope", required=True, help="Comme stats --scope : national, departement:69…")
        parser.add_argument("--by", help="Adresse du compte qui invite : ses droits s'appliquent (sinon : national).")

    def handle(self, *args, email, role, scope, by=None, **options):
        granter = self._granter(by, role) if by else None
        try:
            target = services.target_read(role, scope)
            invitation, link = services.invitation_send(granter=granter, email=email, target=target)
        except ValidationError as error:
            self.fail(" ".join(message for messages in error.message_dict.values() for message in messages))
        self.stdout.write(f"Invitation envoyée à {invitation.email} ({target.label}) : {link}")

    def _granter(self, email: str, role: str):
        """The account acting, in its first role that may grant `role` (rules.GRANTS)."""
        user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            self.fail(f"Aucun compte actif pour {email}.")
        for assignment in user.role_assignments:
            if any(grant.role == role for grant in rules.GRANTS.get(assignment.role, ())):
                user.activate_role(assignment)
                return user
        self.fail(f"{email} ne peut attribuer le rôle « {Role(role).label} » avec aucun de ses rôles.")
