from django import forms
from django.db.models import Q

from cnum.core.forms import BaseForm
from cnum.funding.enums import CreditKind
from cnum.funding.models import SimulationScenario
from cnum.funding.simulator import RULES
from cnum.structures.enums import Phase
from cnum.territories.models import Departement

FIRST_YEAR, LAST_YEAR = 2021, 2030


class ConventionFilterForm(BaseForm):
    q = forms.CharField(label="Structure", required=False, help_text="Nom ou numéro de convention")
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.departements(), required=False, empty_label="Tous"
    )
    phase = forms.TypedChoiceField(
        label="Phase", choices=[("", "Toutes"), *Phase.choices], coerce=int, empty_value=None, required=False
    )

    def filter(self, conventions):
        data = self.cleaned_data
        if data["q"]:
            conventions = conventions.filter(Q(structure__name__icontains=data["q"]) | Q(number__icontains=data["q"]))
        if data["departement"]:
            conventions = conventions.filter(structure__departement=data["departement"])
        if data["phase"]:
            conventions = conventions.filter(phase=data["phase"])
        return conventions


class SimulationForm(BaseForm):
    fiscal_year = forms.IntegerField(label="Exercice", min_value=FIRST_YEAR, max_value=LAST_YEAR, initial=2025)
    credits = forms.IntegerField(
        label="Crédits (€)", min_value=0, initial=28_000_000, help_text="Montant en euros, par exemple 28000000."
    )
    kind = forms.ChoiceField(label="Nature des crédits", choices=CreditKind.choices, initial=CreditKind.CP)
    rule = forms.ChoiceField(label="Règle de priorité", initial="ongoing_first")
    keep = forms.IntegerField(
        label="Postes à maintenir", min_value=0, required=False, help_text="Pour calculer le coût de leur maintien."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [(rule.name, rule.label) for rule in RULES.values()]


class ScenarioSaveForm(SimulationForm):
    name = forms.CharField(label="Nom du scénario", max_length=150)


class ScenarioCompareForm(BaseForm):
    scenarios = forms.ModelMultipleChoiceField(
        label="Scénarios à comparer",
        queryset=SimulationScenario.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Cochez deux scénarios ou plus.",
    )
