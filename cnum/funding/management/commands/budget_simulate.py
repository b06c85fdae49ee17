import json

from cnum.core.commands import CnumCommand
from cnum.funding.budget import scenario_save, simulation_run
from cnum.funding.enums import CreditKind
from cnum.funding.simulator import RULES


class Command(CnumCommand):
    help = (
        "Simule les crédits d'un exercice : postes financés et non financés selon une règle de priorité, par "
        "département, et l'activité perdue. --save enregistre le scénario."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="Exercice budgétaire, par exemple 2025.")
        parser.add_argument("--credits", type=int, required=True, help="Montant des crédits, en euros.")
        parser.add_argument("--rule", default="ongoing_first", choices=sorted(RULES), help="Règle de priorité.")
        parser.add_argument("--kind", default=CreditKind.CP, choices=CreditKind.values, help="cp (défaut) ou ae.")
        parser.add_argument("--keep", type=int, metavar="N", help="Calcule aussi le coût du maintien de N postes.")
        parser.add_argument("--save", metavar="NOM", help="Enregistre le scénario sous ce nom.")
        parser.add_argument("--json", action="store_true", help="Affiche le résultat complet en JSON.")

    def handle(self, *args, year, credits, rule, kind, keep=None, save=None, json=False, **options):
        if credits < 0 or (keep is not None and keep < 0):
            self.fail("Les crédits et le nombre de postes ne peuvent être négatifs.")
        results = simulation_run(fiscal_year=year, credits=credits, rule=rule, kind=kind, keep=keep)
        if save:
            scenario_save(name=save, results=results)
        if json:
            self.stdout.write(_dumps(results))
            return
        impact = results["impact"]
        self.stdout.write(
            f"{year}, {credits} € de {kind.upper()}, règle {rule} : {results['posts_funded']} poste(s) financé(s) "
            f"pour {results['cost']} €, {results['posts_unfunded']} non financé(s) "
            f"({len(results['structures_unfunded'])} structure(s) touchée(s)) ; besoin total {results['demand']} €."
        )
        self.stdout.write(
            f"Activité des 12 derniers mois des postes non financés : {impact['accompaniments']} accompagnements, "
            f"{impact['beneficiaries']} personnes, {impact['advisors']} conseiller(s)."
        )
        if keep is not None:
            cost = results["keep_cost"]
            self.stdout.write(
                f"Maintenir {keep} poste(s) : {cost} €." if cost is not None else f"Moins de {keep} postes à financer."
            )
        if save:
            self.stdout.write(self.style.SUCCESS(f"Scénario « {save} » enregistré."))


def _dumps(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2)
