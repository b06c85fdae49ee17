from django.conf import settings
from django.core.management.base import CommandError

from cnum.core.commands import CnumCommand
from cnum.territories.importers.bulk import SyncCounts
from cnum.territories.importers.cog import COG_YEAR, CogFileError, LoadReport, cog_load, cog_read
from cnum.territories.models import Commune

# (label, feminine) for each table of the report, in loading order.
TABLES = {
    "regions": ("régions", True),
    "departements": ("départements", False),
    "epcis": ("EPCI", False),
    "communes": ("communes", True),
    "postal_codes": ("codes postaux", False),
}


def _number(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _agree(word: str, count: int, feminine: bool) -> str:
    """French agreement of a past participle with a count ("0 créée", "2 mises à jour", "3 mis à jour")."""
    if feminine:
        word += "e"
    if count >= 2 and not word.endswith("s"):
        word += "s"
    return word


def _table_line(label: str, feminine: bool, counts: SyncCounts) -> str:
    figures = [(counts.created, "créé"), (counts.updated, "mis"), (counts.unchanged, "inchangé")]
    parts = [f"{_number(n)} {_agree(word, n, feminine)}" for n, word in figures]
    parts[1] += " à jour"
    if counts.deleted:
        parts.append(f"{_number(counts.deleted)} {_agree('supprimé', counts.deleted, feminine)}")
    if counts.missing:
        absent, kept = _agree("absent", counts.missing, feminine), _agree("conservé", counts.missing, feminine)
        parts.append(f"{_number(counts.missing)} {absent} des fichiers, {kept}")
    return f"  {label} : {_number(counts.total)} ({', '.join(parts)})"


class Command(CnumCommand):
    help = (
        f"Charge le Code officiel géographique {COG_YEAR} (régions, départements, EPCI, communes, codes postaux) "
        "depuis reference/geo. Sans effet sur des données déjà à jour."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--if-empty", action="store_true", help="Ne rien faire si des communes sont déjà chargées."
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Commune.objects.exists():
            current = Commune.objects.current().count()
            self.stdout.write(f"Communes déjà chargées ({_number(current)} communes actuelles) : rien à faire.")
            return
        directory = settings.REFERENCE_DIR / "geo"
        try:
            cog = cog_read(directory=directory)
        except CogFileError as error:
            raise CommandError(str(error)) from error
        report = cog_load(cog=cog, progress=self.progress)
        self._write_report(report, directory)

    def _write_report(self, report: LoadReport, directory) -> None:
        self.stdout.write(f"Code officiel géographique {COG_YEAR} chargé depuis {directory} :")
        for name, (label, feminine) in TABLES.items():
            self.stdout.write(_table_line(label, feminine, getattr(report, name)))
        current = Commune.objects.current().count()
        self.stdout.write(self.style.SUCCESS(f"{_number(current)} communes actuelles en base."))
