from pathlib import Path

from cnum.core.commands import CnumCommand
from cnum.sites.exporters import data_inclusion, lieux_v1

WRITERS = {**lieux_v1.WRITERS, "data-inclusion-json": data_inclusion.write_json}


class Command(CnumCommand):
    help = (
        "Exporte les lieux publiés au format du schéma national v1.0.2 (CSV ou JSON) ou de data·inclusion (JSON, "
        "structures et services, validé contre le schéma v1.0.8). Les lieux qui ne peuvent pas "
        "respecter le schéma sont laissés de côté, avec leur nombre et la raison."
    )
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--format", required=True, choices=sorted(WRITERS), help="Format du fichier.")
        parser.add_argument("--output", required=True, help="Fichier à écrire.")
        parser.add_argument(
            "--unknown-pivot",
            choices=lieux_v1.UNKNOWN_PIVOT_POLICIES,
            default="exclude",
            help=(
                "Lieux sans SIRET connu : « exclude » (par défaut) les laisse de côté ; « zeros » écrit "
                "00000000000000, la convention de l'export Conseiller numérique."
            ),
        )

    def handle(self, *args, output, unknown_pivot, **options):
        path = Path(output)
        sites = lieux_v1.export_queryset()
        with path.open("w", encoding="utf-8", newline="") as file:
            result = WRITERS[options["format"]](
                file,
                self.progress(sites.iterator(chunk_size=1000), total=sites.count(), desc="Lieux"),
                unknown_pivot=unknown_pivot,
            )
        plural = "x" if result.written > 1 else ""
        written = f"{result.written} lieu{plural} écrit{'s' if plural else ''}"
        # The file's name only: this line goes into the open-data README, which names no path of this machine.
        self.stdout.write(self.style.SUCCESS(f"{written} dans {path.name}."))
        if result.excluded:
            self.stdout.write(self.style.WARNING(f"{result.excluded_total} lieux laissés de côté :"))
            for reason, count in result.excluded.most_common():
                self.stdout.write(f"  {count} : {reason}")
        for column, count in result.blanked.most_common():
            self.stdout.write(f"  {count} valeur(s) de « {column} » laissée(s) vide(s) : invalides pour le schéma.")
