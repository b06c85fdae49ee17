"""python manage.py stats --scope national|region:<code>|departement:<code>|structure:<siret>|advisor:<id>|…
[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--type …] [--place-type …] [--employer public|private] [--theme …]
[--tag <id>] [--json]"""

import argparse
import datetime
import json

from django.utils import timezone

from cnum.activities.models import Tag
from cnum.core.commands import CnumCommand
from cnum.core.formatting import NARROW_NBSP, number, percent
from cnum.stats import engine
from cnum.stats.catalogue import BREAKDOWN, MEASURES, SPLIT, Unit
from cnum.stats.forms import period_label
from cnum.stats.scopes import SYNTAX, Filters, Scope, ScopeError


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (attendu : AAAA-MM-JJ)") from None


class Command(CnumCommand):
    help = "Affiche les indicateurs d'activité d'un périmètre et d'une période (tables d'agrégats ou calcul direct)."
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--scope", default="national", help=f"Périmètre : {SYNTAX}.")
        parser.add_argument("--from", dest="since", type=iso_date, help="Premier jour inclus (AAAA-MM-JJ).")
        parser.add_argument("--to", dest="until", type=iso_date, help="Dernier jour inclus (AAAA-MM-JJ).")
        for name, choices in Filters.CHOICES.items():
            option = {"employer_kind": "--employer"}.get(name, "--" + name.replace("_", "-"))
            parser.add_argument(option, dest=name, choices=list(choices), help=f"Filtre : {', '.join(choices)}.")
        parser.add_argument("--tag", dest="tag", help="Filtre : identifiant d'une étiquette.")
        parser.add_argument(
            "--json", action="store_true", help="Sortie JSON (clés en anglais ; by_tag par identifiant)."
        )

    def handle(self, *args, **options):
        # call_command(since="2025-01-01") hands the text over without argparse's conversion.
        since, until = (iso_date(d) if isinstance(d, str) else d for d in (options["since"], options["until"]))
        if since and until and since > until:
            self.fail("La date de début (--from) est postérieure à la date de fin (--to).")
        try:
            scope = Scope.parse(options["scope"])
            scope.check_exists()
            filters = Filters.from_mapping({name: options.get(name) for name in (*Filters.CHOICES, "tag")})
        except ScopeError as error:
            self.fail(str(error))
        figures = engine.figures(scope, since, until, filters)
        figures.update(engine.registry_figures(scope, until, timezone.localdate()))
        if options["json"]:
            period = {"from": since.isoformat() if since else None, "to": until.isoformat() if until else None}
            payload = {"scope": str(scope), **period, "filters": filters.as_dict(), **figures}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(text_lines(scope, since, until, figures)))


def text_lines(scope: Scope, since, until, figures: dict) -> list[str]:
    lines = [f"Statistiques — {scope.label}, {period_label(since, until)}"]
    for measure in MEASURES:
        value = figures[measure.key]
        if measure.unit == Unit.RATE:
            shown = "sans objet (personne n'a été interrogé)" if value is None else percent(value)
        else:
            shown = number(value)
        lines.append(f"{measure.label} : {shown}")
    lines.append(f"{SPLIT['individual_vs_collective'].label} :")
    for kind, counts in figures["individual_vs_collective"].items():
        label = SPLIT["individual_vs_collective"].labels[kind]
        lines.append(f"  {label} : {number(counts['activities'])} activités ({counts['share']}{NARROW_NBSP}%)")
    employers = figures["by_employer_type"]
    lines.append(
        f"Employeur public : {employers['public']['share']}{NARROW_NBSP}%, privé : "
        f"{employers['private']['share']}{NARROW_NBSP}% des activités"
    )
    themes = BREAKDOWN["by_theme"]
    lines.append(f"{themes.title} (activités) :")
    lines += [f"  {themes.label_of(theme)} : {number(count)}" for theme, count in figures["by_theme"].items()]
    tags = dict(Tag.objects.filter(pk__in=[int(pk) for pk in figures["by_tag"]]).values_list("pk", "name"))
    lines.append(f"{BREAKDOWN['by_tag'].title} (activités) :")
    lines += [f"  {tags.get(int(pk), pk)} (n° {pk}) : {number(count)}" for pk, count in figures["by_tag"].items()]
    lines.append("Par mois (activités / accompagnements) :")
    lines += [
        f"  {month} : {number(c['activities'])} / {number(c['accompaniments'])}"
        for month, c in figures["by_month"].items()
    ]
    lines.append("Par département (activités / accompagnements) :")
    lines += [
        f"  {code} : {number(c['activities'])} / {number(c['accompaniments'])}"
        for code, c in figures["by_departement"].items()
    ]
    return lines
