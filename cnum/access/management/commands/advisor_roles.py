from cnum.access import rules, services
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = (
        "À lancer chaque jour : donne le rôle de conseiller aux comptes dont le contrat a commencé et le retire "
        f"{rules.ADVISOR_ROLE_GRACE_DAYS} jours après la fin du dernier contrat (ses jetons d'API sont révoqués)."
    )

    def handle(self, *args, **options):
        granted, removed = services.advisor_roles_sync()
        self.stdout.write(f"Rôle de conseiller : {granted} attribué(s), {removed} retiré(s).")
