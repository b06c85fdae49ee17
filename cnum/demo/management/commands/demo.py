from django.core.management import call_command

from cnum.core.audit import audit_maintenance
from cnum.core.commands import CnumCommand
from cnum.demo.accounts import demo_accounts_create, demo_accounts_exist


class Command(CnumCommand):
    help = "Charge les données de démonstration (comptes par rôle et jeu de données cohérent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--reset", action="store_true", help="Vide toute la base avant de recharger.")
        parser.add_argument("--if-empty", action="store_true", help="Ne fait rien si la démonstration existe déjà.")

    def handle(self, *args, reset=False, if_empty=False, **options):
        if reset:
            self.stdout.write("Remise à zéro de la base…")
            with audit_maintenance():
                call_command("flush", interactive=False, verbosity=0)
        elif if_empty and demo_accounts_exist():
            self.stdout.write("Données de démonstration déjà présentes : rien à faire.")
            return
        call_command("load_territories", if_empty=True, verbosity=options["verbosity"], stdout=self.stdout)
        users = demo_accounts_create()
        self.stdout.write(self.style.SUCCESS(f"Démonstration prête : {len(users)} comptes."))
