from cnum.core.commands import CnumCommand
from cnum.funding.reference_data import BUDGET_FILE, SCHEMES_FILE, funding_reference_load, funding_reference_loaded


class Command(CnumCommand):
    help = (
        "Charge les lignes budgétaires et les barèmes de subvention depuis cnum/funding/reference/. "
        "Sans effet sur des lignes déjà à jour."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--if-empty", action="store_true", help="Ne fait rien si le référentiel est déjà chargé.")

    def handle(self, *args, if_empty=False, **options):
        if if_empty and funding_reference_loaded():
            self.stdout.write("Référentiel du financement déjà chargé : rien à faire.")
            return
        report = funding_reference_load()
        self.stdout.write(
            f"{BUDGET_FILE.name}, {SCHEMES_FILE.name} : {len(report.created)} créés, "
            f"{len(report.updated)} mis à jour, {report.unchanged} inchangés."
        )
        for label, names in (("créé", report.created), ("mis à jour", report.updated)):
            for name in names:
                self.stdout.write(f"  {name} : {label}")
