from pathlib import Path

from cnum.core.commands import CnumCommand
from cnum.structures.importers.hubs import HubFileError, hubs_file, hubs_load, hubs_read


class Command(CnumCommand):
    help = (
        "Charge les hubs territoriaux et leur territoire depuis "
        "reference/mediation-numerique/cnfs-referentiels/hubs.json. Sans effet sur des hubs déjà à jour."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--file", type=Path, help="Autre fichier au même format (par défaut : le référentiel).")

    def handle(self, *args, file=None, **options):
        path = file or hubs_file()
        try:
            entries = hubs_read(path)
        except HubFileError as error:
            self.fail(str(error))
        report = hubs_load(entries)
        self.stdout.write(
            f"{len(entries)} hubs lus dans {path} : {len(report.created)} créés, {len(report.updated)} mis à jour, "
            f"{len(report.unchanged)} inchangés."
        )
        for label, names in (("créé", report.created), ("mis à jour", report.updated)):
            for name in names:
                self.stdout.write(f"  {name} : {label}")
        if report.absent:
            self.stdout.write(self.style.WARNING(f"Absents du fichier, conservés : {', '.join(report.absent)}."))
