"""An advisor's followed people, in and out (issue #21, deliverable 5): a CSV or XLSX file of people who consented
to be followed, analysed first (what would be created, what is rejected and why, which rows look like someone the
advisor already follows), then imported in one transaction; and the same columns written back out.

Each row goes through the form of the page "Suivre un bénéficiaire" (`BeneficiaryForm`) and the service behind it
(`beneficiary_follow`): the same rules (consent date required, a name, a French phone, an e-mail), the same
messages. GDPR (docs/privacy.md): only people who consented are imported, and the consent date is required.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cnum.activities.forms import BeneficiaryForm
from cnum.activities.importers.reading import cell, header_columns, iter_rows
from cnum.activities.models import Beneficiary
from cnum.activities.services import beneficiary_follow, likeness_keys, likeness_reasons
from cnum.core.imports import Column, ImportReport, plural
from cnum.core.tabular import read_cell
from cnum.sites.importers.files import UnreadableFile

COLUMNS = (
    Column("nom", True, "Nom de famille (le nom ou le prénom est obligatoire)", "Martin"),
    Column("prenom", False, "Prénom", "Jeanne"),
    Column("date_consentement", True, "Date de l'accord de la personne : JJ/MM/AAAA ou AAAA-MM-JJ", "15/01/2026"),
    Column("annee_naissance", False, "Année de naissance, quatre chiffres", "1958"),
    Column("telephone", False, "Téléphone français, par exemple 06 12 34 56 78", "06 12 34 56 78"),
    Column("courriel", False, "Adresse électronique", "jeanne.martin@exemple.fr"),
)
#: Column → field of the form "Suivre un bénéficiaire".
FIELDS = {
    "nom": "last_name",
    "prenom": "first_name",
    "date_consentement": "consent_date",
    "annee_naissance": "birth_year",
    "telephone": "phone",
    "courriel": "email",
}
ALIASES = {"prénom": "prenom", "email": "courriel", "mail": "courriel", "tel": "telephone", "portable": "telephone"}
EARLIEST_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class LookAlike:
    """A row of the file that looks like someone the advisor follows already (or like an earlier row)."""

    line: int
    name: str
    existing: str
    reasons: list[str]


@dataclass
class BeneficiaryImportReport(ImportReport):
    people: list[dict] = field(default_factory=list)  # the valid rows, as the service's keyword arguments
    look_alikes: list[LookAlike] = field(default_factory=list)

    def preview(self) -> str:
        """ "20 lignes lues : 20 personnes à ajouter, 0 ligne refusée, 2 doublons possibles." (French agreement)"""
        parts = [
            plural(len(self.people), "personne à ajouter", "personnes à ajouter"),
            plural(len(self.rejected), "ligne refusée", "lignes refusées"),
            plural(len(self.look_alikes), "doublon possible", "doublons possibles"),
        ]
        return f"{plural(self.total, 'ligne lue', 'lignes lues')} : {', '.join(parts)}."


def _parse_date(text: str) -> datetime.date | None:
    # A spreadsheet's date cell reaches us as "2026-01-05" (cnum.activities.importers.workbook.cell_text); a CSV saved
    # from one may still hold "2026-01-05 00:00:00".
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _row(cells: list[str], columns: dict[str, int]) -> tuple[dict, list[str]]:
    """The row as the service's keyword arguments, and what is wrong with it (French, one reason per column)."""
    values = {name: read_cell(cell(cells, columns, name)) for name in FIELDS}
    errors = []
    consent = _parse_date(values["date_consentement"]) if values["date_consentement"] else None
    if values["date_consentement"] and consent is None:
        errors.append(f"date_consentement : « {values['date_consentement']} » n'est pas une date (JJ/MM/AAAA).")
    elif consent and consent > timezone.localdate():
        errors.append("date_consentement : la date de l'accord ne peut pas être dans le futur.")
    data = {FIELDS[name]: value for name, value in values.items()}
    data["consent_date"] = consent.isoformat() if consent else ""
    form = BeneficiaryForm(data)
    form.is_valid()
    for name, field_name in FIELDS.items():
        if field_name in form.errors and not (name == "date_consentement" and errors):
            errors.append(f"{name} : {' '.join(form.errors[field_name])}")
    if not values["nom"] and not values["prenom"]:
        errors.append("nom : indiquez le nom ou le prénom de la personne.")
    year = form.cleaned_data.get("birth_year")
    if year is not None and not EARLIEST_BIRTH_YEAR <= year <= timezone.localdate().year:
        errors.append(f"annee_naissance : « {year} » n'est pas une année de naissance plausible.")
    if errors:
        return {}, errors
    person = {key: form.cleaned_data[key] for key in ("first_name", "last_name", "birth_year", "phone", "email")}
    return person | {"consent_date": consent}, []


def _look_alike(line: int, person: dict, known: list) -> LookAlike | None:
    candidate = Beneficiary(is_followed=True, **person)
    keys = set(likeness_keys(candidate))
    for other in known:
        if keys & set(likeness_keys(other)):
            label = other.distinguishing_label() if other.pk else f"la ligne {other.line} du fichier"
            return LookAlike(line, str(candidate), label, likeness_reasons(candidate, other))
    return None


def analyse(*, advisor, path: Path) -> BeneficiaryImportReport:
    """Read the whole file: the valid rows, the rejected ones with their reasons, the look-alikes. Writes nothing."""
    report = BeneficiaryImportReport(format="beneficiaires-suivis", dry_run=True)
    try:
        rows = iter_rows(path)
        _, header = next(rows, (1, []))
        columns = header_columns(header, ALIASES)
        missing = [column.name for column in COLUMNS if column.required and column.name not in columns]
        if missing:
            report.fatal = f"Colonnes obligatoires absentes : {', '.join(missing)}. Partez du modèle à télécharger."
            return report
        known = list(advisor.beneficiaries.filter(is_followed=True, erased_at__isnull=True).select_related("commune"))
        for line, cells in rows:
            report.total += 1
            person, errors = _row(cells, columns)
            if errors:
                report.reject(line, " ".join(errors), "; ".join(cells[: len(COLUMNS)]))
                continue
            alike = _look_alike(line, person, known)
            if alike:
                report.look_alikes.append(alike)
            report.people.append(person | {"line": line})
            new = Beneficiary(is_followed=True, **person)
            new.line = line
            known.append(new)
    except UnreadableFile as error:
        return BeneficiaryImportReport(format=report.format, dry_run=True, fatal=str(error))
    report.created = len(report.people)
    return report


@transaction.atomic
def beneficiaries_import(*, advisor, path: Path, skip_look_alikes: bool = False) -> BeneficiaryImportReport:
    """Analyse the file again and follow every valid row (all in one transaction: all or none); with
    `skip_look_alikes`, the rows that look like someone already followed are left out."""
    report = analyse(advisor=advisor, path=path)
    report.dry_run = False
    skipped = {alike.line for alike in report.look_alikes} if skip_look_alikes else set()
    report.created = 0
    for person in report.people:
        if person["line"] in skipped:
            report.unchanged += 1
            continue
        beneficiary_follow(advisor=advisor, **{key: value for key, value in person.items() if key != "line"})
        report.created += 1
    return report


HEADERS = [column.name for column in COLUMNS]


def beneficiary_rows(people) -> list[list]:
    """The export's rows, in the import's columns (a file exported can be imported back), then what cnum adds."""
    return [
        [
            person.last_name,
            person.first_name,
            person.consent_date.strftime("%d/%m/%Y") if person.consent_date else "",
            person.birth_year or "",
            person.phone,
            person.email,
            person.accompaniment_count,
            person.last_seen.strftime("%d/%m/%Y") if person.last_seen else "",
        ]
        for person in people
    ]


EXPORT_HEADERS = [*HEADERS, "accompagnements", "dernier_accompagnement"]
