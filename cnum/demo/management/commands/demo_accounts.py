from cnum.core.commands import CnumCommand
from cnum.demo.accounts import demo_accounts_table
from cnum.demo.guard import is_demo_database


class Command(CnumCommand):
    help = "Affiche les comptes de démonstration (un par rôle) et leur mot de passe."
    changes_data = False

    def handle(self, *args, **options):
        if not is_demo_database():
            self.stdout.write("Cette base n'est pas une base de démonstration : aucun compte à afficher.")
            return
        rows = demo_accounts_table()
        if not rows:
            self.stdout.write("Aucun compte de démonstration : lancez `python manage.py demo`.")
            return
        width = max(len(email) for email, _, _ in rows)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Comptes de démonstration (mot de passe identique pour tous)"))
        for email, password, roles in rows:
            self.stdout.write(f"  {email.ljust(width)}  {password}  {roles}")
        self.stdout.write("")
