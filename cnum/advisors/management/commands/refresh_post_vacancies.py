from cnum.advisors.services import refresh_post_vacancies
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = (
        "Recalcule « vacant depuis » de chaque poste qui a des contrats : à lancer chaque jour, pour les contrats "
        "qui commencent ou finissent à une date future."
    )

    def handle(self, *args, **options):
        changed = refresh_post_vacancies(progress=lambda posts: self.progress(posts, desc="Postes"))
        self.stdout.write(f"{changed} poste(s) mis à jour.")
