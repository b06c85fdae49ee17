from django import forms
from django.db.models import Q
from django.utils import timezone

from cnum.core.forms import BaseForm
from cnum.funding.enums import AdvisorChoice, CampaignDecision, CreditKind, NonRenewalReason
from cnum.funding.models import GrantScheme, SimulationScenario
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


class CampaignSelectForm(BaseForm):
    """Which structures a campaign concerns: conventions ending by a date, in a département or everywhere."""

    ending_before = forms.DateField(
        label="Conventions se terminant au plus tard le",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Structures dont la convention signée se termine d'ici cette date, sans convention ultérieure.",
    )
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.departements(), required=False, empty_label="Tous"
    )


class CampaignCreateForm(CampaignSelectForm):
    name = forms.CharField(label="Nom de la campagne", max_length=150)
    scheme = forms.ModelChoiceField(
        label="Barème proposé", queryset=GrantScheme.objects.all(), required=False, empty_label="Aucun (voir le texte)"
    )
    terms = forms.CharField(label="Nouvelles conditions", widget=forms.Textarea(attrs={"rows": 6}))
    deadline = forms.DateField(label="Date limite de réponse", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < self.today:
            raise forms.ValidationError("La date limite ne peut être passée.")
        return deadline


class CampaignResponseForm(BaseForm):
    decision = forms.ChoiceField(label="Votre décision", choices=CampaignDecision.choices, widget=forms.RadioSelect)
    posts_requested = forms.IntegerField(
        label="Nombre de postes demandés", min_value=1, required=False, help_text="Si vous renouvelez."
    )
    advisor_choice = forms.ChoiceField(
        label="Conseillers", choices=AdvisorChoice.choices, widget=forms.RadioSelect, required=False
    )
    new_advisors = forms.IntegerField(
        label="Postes sur lesquels vous recruterez un nouveau conseiller",
        min_value=0,
        required=False,
        help_text="Seulement si vous avez choisi « Selon les postes ».",
    )
    reason = forms.ChoiceField(
        label="Motif du non-renouvellement",
        choices=[("", "Choisir un motif"), *NonRenewalReason.choices],
        required=False,
    )
    comment = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, posts: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.posts = posts
        self.fields["posts_requested"].help_text = f"Si vous renouvelez : {posts} poste(s) arrivent à échéance."

    def clean(self):
        data = super().clean()
        if data.get("decision") == CampaignDecision.RENEW:
            requested = data.get("posts_requested")
            if not requested:
                self.add_error("posts_requested", "Indiquez le nombre de postes que vous souhaitez renouveler.")
            elif requested > self.posts:
                self.add_error("posts_requested", f"Au plus {self.posts} poste(s) arrivent à échéance.")
            if not data.get("advisor_choice"):
                self.add_error("advisor_choice", "Indiquez si vous conservez vos conseillers.")
            elif data["advisor_choice"] == AdvisorChoice.PER_POST:
                new = data.get("new_advisors")
                if new is None or (requested and new > requested):
                    self.add_error(
                        "new_advisors", "Indiquez combien des postes demandés auront un nouveau conseiller."
                    )
        elif data.get("decision") == CampaignDecision.NOT_RENEW and not data.get("reason"):
            self.add_error("reason", "Indiquez le motif du non-renouvellement.")
        return data


class ReportForm(BaseForm):
    """A fiscal year (cost per outcome) and a territory."""

    year = forms.IntegerField(label="Année", min_value=FIRST_YEAR, max_value=LAST_YEAR, initial=2025)
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.departements(), required=False, empty_label="France entière"
    )
