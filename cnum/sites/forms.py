"""Forms of the site pages. Values are checked against the national schema v1.0.2; messages are in French."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from cnum.core.forms import BaseForm, BaseModelForm
from cnum.sites import opening_hours, schema
from cnum.sites.models import Site
from cnum.sites.normalization import Unfixable, normalize_emails, normalize_phone, normalize_url
from cnum.territories.lookup import find_commune, normalize_postal_code
from cnum.territories.models import Departement, Region


def service_choices() -> list[tuple[str, str]]:
    return [("", "Tous"), *schema.enumeration("services").choices]


class SiteFilterForm(BaseForm):
    place = forms.CharField(label="Commune ou code postal", required=False, max_length=100)
    region = forms.ModelChoiceField(
        label="Région", queryset=Region.objects.regions(), required=False, empty_label="Toutes"
    )
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.departements(), required=False, empty_label="Tous"
    )
    service = forms.ChoiceField(label="Service", required=False)
    france_services = forms.BooleanField(label="Labellisé France Services", required=False)
    itinerant = forms.BooleanField(label="Itinérant", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = service_choices()

    def filter(self, sites):
        data = self.cleaned_data
        return sites.filtered(
            region=data["region"].pk if data["region"] else "",
            departement=data["departement"].pk if data["departement"] else "",
            place=data["place"],
            service=data["service"],
            france_services=data["france_services"],
            itinerant=data["itinerant"],
        )


class ListField(forms.CharField):
    """Several values, one per line (commas and semicolons also separate), stored as a list."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


def enumerated_field(column: str, label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=schema.enumeration(column).choices,
        widget=forms.CheckboxSelectMultiple,
    )


class SiteForm(BaseModelForm):
    """Edit a site. The commune is found from the postal code and name (cnum.territories.lookup); the phone is put into
    the schema's international form; opening hours must be valid OpenStreetMap syntax."""

    commune_name = forms.CharField(label="Commune", max_length=100)
    phone = forms.CharField(
        label="Téléphone", required=False, max_length=30, help_text="Par exemple 04 50 56 87 49 ou +33450568749."
    )
    emails = ListField(label="Courriels", required=False, help_text="Adresses génériques du lieu, une par ligne.")
    websites = ListField(
        label="Sites web", required=False, help_text="Adresses commençant par https://, une par ligne."
    )
    opening_hours = forms.CharField(
        label="Horaires",
        required=False,
        max_length=500,
        validators=[opening_hours.validate_opening_hours],
        help_text=f"Syntaxe OpenStreetMap, par exemple « {opening_hours.EXAMPLE} ».",
    )
    booking_url = forms.URLField(
        label="Prise de rendez-vous en ligne", required=False, max_length=500, assume_scheme="https"
    )
    accessibility_url = forms.URLField(label="Fiche Acceslibre", required=False, max_length=500, assume_scheme="https")
    services = enumerated_field("services", "Services")
    specific_publics = enumerated_field("publics_specifiquement_adresses", "Publics spécifiquement adressés")
    specific_support = enumerated_field("prise_en_charge_specifique", "Prise en charge spécifique")
    fees = enumerated_field("frais_a_charge", "Frais à charge")
    access_modes = enumerated_field("modalites_acces", "Modalités d'accès")
    support_modes = enumerated_field("modalites_accompagnement", "Modalités d'accompagnement")
    mobility = enumerated_field("itinerance", "Itinérance")
    national_programmes = enumerated_field("dispositif_programmes_nationaux", "Dispositifs et programmes nationaux")
    training_labels = enumerated_field("formations_labels", "Formations et labels")

    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "address_complement",
            "postal_code",
            "commune_name",
            "latitude",
            "longitude",
            "phone",
            "emails",
            "websites",
            "booking_url",
            "accessibility_url",
            "opening_hours",
            "summary",
            "description",
            "services",
            "specific_publics",
            "specific_support",
            "fees",
            "access_modes",
            "support_modes",
            "mobility",
            "national_programmes",
            "training_labels",
            "is_published",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, can_publish: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_publish:
            del self.fields["is_published"]
        self.fields["latitude"].widget.attrs["step"] = "any"
        self.fields["longitude"].widget.attrs["step"] = "any"

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        if not value:
            return ""
        try:
            return normalize_phone(value)
        except Unfixable as error:
            raise ValidationError(str(error)) from None

    def clean_emails(self):
        try:
            return normalize_emails(self.cleaned_data["emails"])
        except Unfixable as error:
            raise ValidationError(str(error)) from None

    def clean_websites(self):
        urls = [item for item in self.cleaned_data["websites"].replace(",", "\n").split() if item]
        try:
            return list(dict.fromkeys(normalize_url(url) for url in urls))
        except Unfixable as error:
            raise ValidationError(str(error)) from None

    def clean_opening_hours(self):
        value = self.cleaned_data["opening_hours"]
        return opening_hours.check(value) if value else ""

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not self.has_error("latitude"):
            self.add_error("longitude", "Indiquez la latitude et la longitude, ou aucune des deux.")
        if latitude is not None and not -90 <= latitude <= 90:
            self.add_error("latitude", "La latitude est comprise entre -90 et 90.")
        if longitude is not None and not -180 <= longitude <= 180:
            self.add_error("longitude", "La longitude est comprise entre -180 et 180.")
        self._find_commune(data)
        return data

    def _find_commune(self, data) -> None:
        if self.has_error("postal_code") or self.has_error("commune_name") or not data.get("postal_code"):
            return
        code = normalize_postal_code(data["postal_code"])
        if code is None:
            self.add_error("postal_code", "Code postal invalide : 5 chiffres attendus.")
            return
        result = find_commune(postal_code=code, name=data.get("commune_name"))
        if not result.ok:
            self.add_error("commune_name", result.reason)
            return
        data["postal_code"], data["commune_name"] = code, result.name
        self.instance.commune = result.commune
        self.instance.departement_id = result.commune.departement_id

    def save(self, commit=True):
        self.instance.updated_on = timezone.localdate()
        return super().save(commit=commit)
