"""The public map's search form: a commune or postal code (or the visitor's position, never stored), a radius and the
filters of cnum.sites.nearby.MapFilters, with the national schema's values."""

from django import forms

from cnum.core.forms import BaseForm
from cnum.sites import nearby, schema

RADII = [(2, "2 km"), (5, "5 km"), (10, "10 km"), (20, "20 km"), (50, "50 km")]


def _choices(name: str, empty: str) -> list[tuple[str, str]]:
    return [("", empty), *schema.enumeration(name).choices]


class MapForm(BaseForm):
    q = forms.CharField(
        label="Commune ou code postal", required=False, max_length=100, help_text="Par exemple : 69003 ou Villeurbanne"
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    rayon_km = forms.TypedChoiceField(label="Distance", choices=RADII, coerce=int, initial=10, required=False)
    service = forms.ChoiceField(label="Service", required=False)
    public = forms.ChoiceField(label="Public", required=False)
    prise_en_charge = forms.ChoiceField(label="Accessibilité et prise en charge", required=False)
    gratuit = forms.BooleanField(label="Gratuit", required=False)
    sur_rendez_vous = forms.BooleanField(label="Prise de rendez-vous en ligne", required=False)
    ouvert_maintenant = forms.BooleanField(label="Ouvert maintenant", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _choices("services", "Tous les services")
        self.fields["public"].choices = _choices("publics_specifiquement_adresses", "Tous les publics")
        self.fields["prise_en_charge"].choices = _choices("prise_en_charge_specifique", "Sans précision")

    @property
    def filters(self) -> nearby.MapFilters:
        data = self.cleaned_data
        return nearby.MapFilters(
            service=data["service"],
            public=data["public"],
            support=data["prise_en_charge"],
            free=data["gratuit"],
            appointment=data["sur_rendez_vous"],
            open_now=data["ouvert_maintenant"],
        )

    @property
    def filters_used(self) -> bool:
        return hasattr(self, "cleaned_data") and self.filters != nearby.MapFilters()

    @property
    def radius_km(self) -> int:
        return self.cleaned_data["rayon_km"] or nearby.DEFAULT_RADIUS_KM

    @property
    def position(self) -> tuple[float, float] | None:
        data = self.cleaned_data
        if data["lat"] is None or data["lon"] is None:
            return None
        return data["lat"], data["lon"]
