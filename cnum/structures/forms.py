"""Forms of the structure pages. Validation messages are in French and a form in error keeps what was typed."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from cnum.core.forms import BaseForm, BaseModelForm, DateInput
from cnum.structures.enums import (
    AmendmentKind,
    ApplicationStatus,
    CoselecOutcome,
    Decision,
    Opinion,
    Phase,
    StructureType,
)
from cnum.structures.identifiers import format_identifier, identify
from cnum.structures.models import Structure
from cnum.territories.lookup import find_commune, normalize_postal_code
from cnum.territories.models import Departement, Region

SECTORS = [("", "Tous"), ("public", "Public"), ("private", "Privé")]


class StructureFilterForm(BaseForm):
    q = forms.CharField(label="Rechercher", required=False, help_text="Nom, SIRET ou commune")
    region = forms.ModelChoiceField(
        label="Région", queryset=Region.objects.regions(), required=False, empty_label="Toutes"
    )
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.departements(), required=False, empty_label="Tous"
    )
    type = forms.ChoiceField(label="Type", choices=[("", "Tous"), *StructureType.choices], required=False)
    sector = forms.ChoiceField(label="Secteur", choices=SECTORS, required=False)
    application_status = forms.ChoiceField(
        label="Candidature", choices=[("", "Toutes"), *ApplicationStatus.choices], required=False
    )

    def filter(self, structures):
        data = self.cleaned_data
        if data["q"]:
            structures = structures.search(data["q"])
        if data["region"]:
            structures = structures.in_region(data["region"].pk)
        if data["departement"]:
            structures = structures.in_departements([data["departement"].pk])
        if data["type"]:
            structures = structures.filter(type=data["type"])
        if data["sector"] == "public":
            structures = structures.public()
        elif data["sector"] == "private":
            structures = structures.private()
        if data["application_status"]:
            structures = structures.filter(application_status=data["application_status"])
        return structures


class StructureForm(BaseModelForm):
    """Create or edit a structure. The commune is typed as an INSEE code, or a postal code and a name, and found
    through cnum.territories.lookup; the identifier is checked by cnum.structures.identifiers."""

    identifier = forms.CharField(
        label="SIRET, RIDET ou RNA",
        max_length=30,
        help_text="SIRET : 14 chiffres ; RIDET : « 1234567.001 » ; RNA : W suivi de 9 caractères.",
    )
    insee_code = forms.CharField(label="Code INSEE de la commune", max_length=10, required=False)
    commune_name = forms.CharField(label="Nom de la commune", max_length=100, required=False)

    #: What a structure manager may change themselves (see perms.can_edit_structure_identity).
    MANAGER_FIELDS = (
        "address",
        "insee_code",
        "postal_code",
        "commune_name",
        "contact_first_name",
        "contact_last_name",
        "contact_role",
        "contact_email",
        "contact_phone",
    )

    class Meta:
        model = Structure
        fields = [
            "name",
            "identifier",
            "type",
            "address",
            "postal_code",
            "qpv",
            "zrr",
            "france_services",
            "hub",
            "networks",
            "contact_first_name",
            "contact_last_name",
            "contact_role",
            "contact_email",
            "contact_phone",
            "application_status",
            "convention_status",
        ]
        widgets = {"networks": forms.CheckboxSelectMultiple}

    field_order = ["name", "identifier", "type", "address", "insee_code", "postal_code", "commune_name"]

    def __init__(self, *args, identity=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_notes: tuple[str, ...] = ()
        self.fields["postal_code"].max_length = 10
        self.fields["postal_code"].widget.attrs["maxlength"] = 10
        commune = self.instance.commune if self.instance.pk else None
        if commune is not None:
            self.initial.setdefault("insee_code", commune.code)
            self.initial.setdefault("commune_name", commune.name)
        if self.instance.pk and self.instance.identifier:
            self.initial["identifier"] = format_identifier(self.instance.identifier_kind, self.instance.identifier)
        if not identity:
            for name in list(self.fields):
                if name not in self.MANAGER_FIELDS:
                    del self.fields[name]
        if "application_status" in self.fields:
            self.fields["application_status"].required = False

    def clean_application_status(self):
        return self.cleaned_data["application_status"] or self.instance.application_status

    def clean_identifier(self):
        identifier = identify(self.cleaned_data["identifier"])
        others = Structure.objects.filter(identifier=identifier.value).exclude(pk=self.instance.pk)
        other = others.first()
        if other is not None:
            raise ValidationError(f"La structure « {other} » porte déjà l'identifiant {identifier.display}.")
        self.instance.identifier_kind = identifier.kind
        return identifier.value

    def clean(self):
        data = super().clean()
        insee, postal_code, name = data.get("insee_code"), data.get("postal_code"), data.get("commune_name")
        if postal_code and normalize_postal_code(postal_code) is None:
            self.add_error("postal_code", f"Code postal « {postal_code} » invalide : 5 chiffres attendus.")
            return data
        if not any((insee, postal_code, name)):
            self.add_error("insee_code", "Indiquez le code INSEE, ou le code postal et le nom de la commune.")
            return data
        result = find_commune(insee=insee, postal_code=postal_code, name=name)
        if not result.ok:
            self.add_error("insee_code" if insee else "commune_name", result.reason)
            return data
        self.instance.commune_id = result.commune_id
        self.commune_notes = result.notes
        if postal_code:
            data["postal_code"] = normalize_postal_code(postal_code)
        return data


class CoselecDecisionForm(BaseForm):
    date = forms.DateField(label="Date du COSELEC", widget=DateInput())
    number = forms.CharField(label="Numéro du COSELEC", max_length=30, required=False)
    phase = forms.TypedChoiceField(label="Phase", choices=Phase.choices, coerce=int)
    outcome = forms.ChoiceField(label="Avis", choices=CoselecOutcome.choices, widget=forms.RadioSelect)
    posts_granted = forms.IntegerField(label="Postes accordés", min_value=0, max_value=50, initial=1)
    comment = forms.CharField(label="Commentaire", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError("La date du COSELEC ne peut pas être dans le futur.")
        return date


class AmendmentRequestForm(BaseForm):
    kind = forms.ChoiceField(label="Demande", choices=AmendmentKind.choices, widget=forms.RadioSelect)
    posts_count = forms.IntegerField(label="Nombre de postes", min_value=1, max_value=50, initial=1)
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 4}))


class PrefectureOpinionForm(BaseForm):
    opinion = forms.ChoiceField(label="Avis de la préfecture", choices=Opinion.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Commentaire",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Obligatoire pour un avis défavorable.",
    )


class AmendmentDecisionForm(BaseForm):
    decision = forms.ChoiceField(
        label="Décision nationale",
        choices=[(Decision.APPROVED, "Accorder"), (Decision.REFUSED, "Refuser")],
        widget=forms.RadioSelect,
    )
