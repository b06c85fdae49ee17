"""python manage.py opendata_export [--output DOSSIER] [--from AAAA-MM] [--to AAAA-MM]: to schedule every night (the
page /donnees-ouvertes/ publishes what it writes in CNUM_OPENDATA_DIR)."""

import argparse
import datetime
import io
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from cnum.core.commands import CnumCommand
from cnum.stats import opendata

#: Files written, for the progress bar: two activity tables, the sites twice (national schema, data·inclusion), README.
FILES = 5


def month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"mois invalide « {text} » (attendu : AAAA-MM)") from None


class Command(CnumCommand):
    help = (
        "Écrit les fichiers de données ouvertes : activité par département et mois, par département et thématique "
        "(secret statistique appliqué), lieux (schéma national), et leur README."
    )
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--output",
            default=None,
            help="Dossier où écrire les fichiers (créé au besoin) ; par défaut CNUM_OPENDATA_DIR, celui que publie la "
            "page /donnees-ouvertes/.",
        )
        parser.add_argument("--from", dest="first", type=month, help="Premier mois inclus (AAAA-MM).")
        parser.add_argument(
            "--to", dest="last", type=month, help="Dernier mois inclus (AAAA-MM ; par défaut le dernier mois achevé)."
        )

    def handle(self, *args, output, first=None, last=None, **options):
        first, last = (month(m) if isinstance(m, str) else m for m in (first, last))
        now = timezone.localtime()
        last = last or (now.date().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        if first and first > last:
            self.fail("Le premier mois (--from) est postérieur au dernier (--to).")
        period = opendata.Period(first, last)
        directory = Path(output or settings.CNUM_OPENDATA_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        with self.progress(total=FILES, desc="Fichiers écrits", unit=" fichiers") as bar:
            months = opendata.departement_months(period)
            opendata.write_csv(directory / "activite-departement-mois.csv", opendata.MONTH_COLUMNS, months)
            bar.update(1)
            themes = opendata.departement_themes(period)
            opendata.write_csv(directory / "activite-departement-theme.csv", opendata.THEME_COLUMNS, themes)
            bar.update(1)
            sites = io.StringIO()
            call_command(
                "export_sites", format="lieux-v1-csv", output=str(directory / "lieux.csv"), stdout=sites, verbosity=0
            )
            summary = sites.getvalue().strip().splitlines()[0] if sites.getvalue().strip() else ""
            bar.update(1)
            call_command(
                "export_sites",
                format="data-inclusion-json",
                output=str(directory / "lieux-data-inclusion.json"),
                stdout=io.StringIO(),
                verbosity=0,
            )
            bar.update(1)
            readme = opendata.readme(period, now, months, themes, summary)
            (directory / "README.md").write_text(readme, encoding="utf-8")
            bar.update(1)
        for name, rows in (("activite-departement-mois.csv", months), ("activite-departement-theme.csv", themes)):
            counts = opendata.secret_counts(rows)
            self.stdout.write(f"{name} : {len(rows)} lignes, dont {counts.get('secret', 0)} au secret statistique.")
        self.stdout.write(self.style.SUCCESS(f"Données ouvertes écrites dans {directory} ({period.label()})."))
