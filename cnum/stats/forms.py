"""The dashboard's period and filters form. It reads the query string as typed (French parameter names), keeps it
when in error, and gives the period (a preset or custom dates) and the engine's Filters."""

import calendar
import datetime

from django import forms
from django.utils import timezone

from cnum.activities.models import Tag
from cnum.core.forms import BaseForm, DateInput
from cnum.stats.engine import calendar_period
from cnum.stats.scopes import Filters

CURRENT_YEAR, PREVIOUS_YEAR, LAST_12_MONTHS, ALL_TIME, CUSTOM = "annee", "annee-precedente", "12-mois", "tout", "dates"
CURRENT_MONTH = "mois"
#: The first is the one shown when the query names none (the current year, as `clean` reads it).
PRESETS = [
    (CURRENT_YEAR, "Année en cours"),
    (CURRENT_MONTH, "Mois en cours"),
    (PREVIOUS_YEAR, "Année précédente"),
    (LAST_12_MONTHS, "12 derniers mois"),
    (ALL_TIME, "Depuis le début"),
    (CUSTOM, "Dates choisies"),
]
#: Query parameter → field of cnum.stats.scopes.Filters.
FILTER_PARAMETERS = {
    "type": "type",
    "lieu": "place_type",
    "employeur": "employer_kind",
    "theme": "theme",
    "etiquette": "tag",
}
#: Query parameter narrowing the scope to one advisor (Filters.advisor), kept as a hidden field of the page.
ADVISOR_PARAMETER = "conseiller"


def preset_period(preset: str, today: datetime.date) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last day of a preset; "12 derniers mois" are the 12 whole months before the current one. The
    current month is the whole calendar month, so that it reads the month's rollup (nothing is dated after today)."""
    if preset == CURRENT_MONTH:
        return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if preset == CURRENT_YEAR:
        return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    if preset == PREVIOUS_YEAR:
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    if preset == LAST_12_MONTHS:
        first_of_month = today.replace(day=1)
        return first_of_month.replace(year=first_of_month.year - 1), first_of_month - datetime.timedelta(days=1)
    return None, None


def _choices(name: str, empty: str) -> list[tuple[str, str]]:
    return [("", empty), *Filters.CHOICES[name].items()]


class DashboardForm(BaseForm):
    periode = forms.ChoiceField(label="Période", choices=PRESETS, required=False)
    du = forms.DateField(label="Du", required=False, widget=DateInput())
    au = forms.DateField(label="Au", required=False, widget=DateInput())
    type = forms.ChoiceField(label="Type d'activité", choices=_choices("type", "Tous"), required=False)
    lieu = forms.ChoiceField(label="Lieu", choices=_choices("place_type", "Tous"), required=False)
    employeur = forms.ChoiceField(label="Employeur", choices=_choices("employer_kind", "Tous"), required=False)
    theme = forms.ChoiceField(label="Thématique", choices=_choices("theme", "Toutes"), required=False)
    etiquette = forms.ChoiceField(label="Étiquette", choices=[("", "Toutes")], required=False)

    def __init__(self, data=None, *, today: datetime.date | None = None, user=None, **kwargs):
        self.today = today or timezone.localdate()
        super().__init__(data, **kwargs)
        # The tags the user may read (a private tag of another scope is refused as an unknown choice).
        tags = Tag.objects.visible_to(user).order_by("name", "pk") if user is not None else Tag.objects.none()
        self.fields["etiquette"].choices = [("", "Toutes"), *((str(tag.pk), tag.name) for tag in tags)]

    def clean(self):
        data = super().clean()
        since, until = data.get("du"), data.get("au")
        preset = data.get("periode") or (CUSTOM if since or until else CURRENT_YEAR)
        data["periode"] = preset
        if preset != CUSTOM:
            since, until = preset_period(preset, self.today)
        elif since and until and since > until:
            self.add_error("au", "La date de fin doit être postérieure ou égale à la date de début.")
        data["since"], data["until"] = since, until
        return data

    @property
    def period(self) -> tuple[datetime.date | None, datetime.date | None]:
        return self.cleaned_data["since"], self.cleaned_data["until"]

    @property
    def filters(self) -> Filters:
        values = {field: self.cleaned_data.get(name) or "" for name, field in FILTER_PARAMETERS.items()}
        return Filters(**values, advisor=self.advisor)

    @property
    def advisor(self) -> str:
        """The advisor the scope is narrowed to (`conseiller`, an id checked by the view with the user's rights)."""
        value = (self.data.get(ADVISOR_PARAMETER) or "").strip() if self.data else ""
        return value if value.isdigit() else ""


def period_label(since: datetime.date | None, until: datetime.date | None) -> str:
    """ "du 01/01/2025 au 31/12/2025", "depuis le début"…"""
    if since and until:
        return f"du {since:%d/%m/%Y} au {until:%d/%m/%Y}"
    if since:
        return f"depuis le {since:%d/%m/%Y}"
    if until:
        return f"jusqu'au {until:%d/%m/%Y}"
    return "depuis le début"


def period_slug(since: datetime.date | None, until: datetime.date | None) -> str:
    """ "2025", "2025-T2", "2025-04", "tout" or "2025-01-15-2025-02-10", for file names."""
    period = calendar_period(since, until)
    if period == "all":
        return "tout"
    if period:
        return period
    return "-".join(day.isoformat() if day else "" for day in (since, until)).strip("-") or "tout"
