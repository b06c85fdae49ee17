"""python manage.py export_activities --format csv|xlsx [--structure ID|--departement CODE|--region CODE] --output F"""

from pathlib import Path

from cnum.activities.exporters.accompaniments import EXPORTERS, activities_queryset
from cnum.core.commands import CnumCommand


class Command(CnumCommand):
    help = "Exporte les accompagnements, une ligne chacun, sans donnée personnelle (CSV ou XLSX)."
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--format", default="csv", choices=sorted(EXPORTERS))
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--structure", type=int, help="Identifiant de la structure employeuse.")
        scope.add_argument("--departement", help="Code du département de la structure.")
        scope.add_argument("--region", help="Code de la région de la structure.")
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args, **options):
        activities = activities_queryset(
            structure_id=options["structure"], departement=options["departement"], region=options["region"]
        )
        count = EXPORTERS[options["format"]](options["output"], activities)
        self.stdout.write(self.style.SUCCESS(f"{count} ligne(s) écrite(s) dans {options['output']}."))
