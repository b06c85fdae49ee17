"""Recording an activity in one page, and following a beneficiary (DSFR forms, French labels)."""

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cnum.activities.enums import (
    DURATION_PRESETS,
    ActivityType,
    AgeBracket,
    Autonomy,
    DemarcheTheme,
    Equipment,
    Genre,
    Level,
    PlaceType,
    Progress,
    RedirectionCategory,
    SocialStatus,
    TagVisibility,
    Theme,
)
from cnum.activities.models import Activity, ActivityTag, Beneficiary, CoordinationActivity, Tag
from cnum.activities.validation import BREAKDOWNS, EARLIEST_DATE, MAX_DURATION, MIN_DURATION, validate_activity
from cnum.advisors.models import Advisor
from cnum.core.forms import (
    BaseForm,
    BaseModelForm,
    DateInput,
    FixedChoiceField,
    FixedMultipleChoiceField,
    LazyModelChoiceField,
    LazyModelMultipleChoiceField,
    QuickCopiedFields,
)
from cnum.core.prepared import Prepared
from cnum.core.validators import french_phone
from cnum.sites.models import ListContains, Site
from cnum.territories.forms import CommuneField

OTHER_DURATION = "autre"
INDIVIDUAL_ONLY = ("autonomy", "beneficiary", "genre", "age_bracket", "social_status", "progressed")
COLLECTIVE_ONLY = ("level", "title", "anonymous_participants", "anonymous_first_time", "anonymous_asked")
COLLECTIVE_ONLY += ("anonymous_progressed", "beneficiaries")
BREAKDOWN_TITLES = {"genre": "Par genre", "tranche_age": "Par tranche d'âge", "statut_social": "Par statut"}
EDITABLE_FIELDS = (
    "type",
    "date",
    "place_type",
    "themes",
    "demarche_themes",
    "equipment",
    "autonomy",
    "title",
    "level",
)
EDITABLE_FIELDS += ("anonymous_participants", "anonymous_first_time", "anonymous_asked", "anonymous_progressed")
EDITABLE_FIELDS += ("redirection_category", "redirection_other", "notes")


def _blank(choices):
    return [("", "—"), *choices]


def sites_of(advisor):
    """The sites an advisor records at: where they are or were assigned, and their employers' sites — not the
    whole national list."""
    # Two id subqueries rather than joins: no duplicates to remove, and each uses its index.
    assigned = advisor.site_assignments.values("site_id")
    employers = advisor.contracts.values("structure_id")
    return Site.objects.filter(Q(pk__in=assigned) | Q(structure_id__in=employers)).order_by("name")


#: Whether `sites_of(advisor)` holds a site: the recording's check of its site (form and API), compiled once.
_OFFERED_SITE = Prepared(
    lambda advisor_id, site_id: sites_of(Advisor(pk=advisor_id)).filter(pk=site_id).order_by().values_list("pk")[:1],
    advisor_id=int,
    site_id=int,
)


def offers_site(advisor, site_id: int) -> bool:
    """Whether `site_id` is one of the sites the advisor records at (`sites_of`)."""
    return _OFFERED_SITE.first(advisor_id=advisor.pk, site_id=site_id) is not None


def france_services_near(advisor):
    """France Services sites of the départements where the advisor's employers are."""
    departements = advisor.contracts.values("structure__departement")
    return Site.objects.published().france_services().filter(departement__in=departements).order_by("name")


class ActivityForm(BaseForm):
    """Every field of an activity; the individual and collective fieldsets are shown according to the type."""

    type = FixedChoiceField(label="Type", choices=ActivityType.choices, widget=forms.RadioSelect)
    date = forms.DateField(label="Date", widget=DateInput())
    duration_preset = FixedChoiceField(
        label="Durée",
        choices=[*((str(m), f"{m} min") for m in DURATION_PRESETS), (OTHER_DURATION, "Autre durée")],
        widget=forms.RadioSelect,
    )
    duration_other = forms.IntegerField(label="Autre durée (minutes)", required=False, min_value=1, max_value=600)
    place_type = FixedChoiceField(label="Lieu", choices=PlaceType.choices, widget=forms.RadioSelect)
    site = LazyModelChoiceField(label="Lieu d'activité", queryset=Site.objects.none(), required=False)
    commune = CommuneField(label="Commune", required=False)
    themes = FixedMultipleChoiceField(
        label="Thématiques",
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une thématique."},  # validate_activity's words
    )
    demarche_themes = FixedMultipleChoiceField(
        label="Démarches administratives",
        choices=DemarcheTheme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    equipment = FixedMultipleChoiceField(
        label="Matériel utilisé", choices=Equipment.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    # Individual
    beneficiary = LazyModelChoiceField(
        label="Bénéficiaire suivi",
        queryset=Beneficiary.objects.none(),
        required=False,
        empty_label="Personne anonyme",
    )
    genre = FixedChoiceField(label="Genre", choices=Genre.choices, initial=Genre.UNKNOWN, required=False)
    age_bracket = FixedChoiceField(
        label="Tranche d'âge", choices=AgeBracket.choices, initial=AgeBracket.UNKNOWN, required=False
    )
    social_status = FixedChoiceField(
        label="Statut", choices=SocialStatus.choices, initial=SocialStatus.UNKNOWN, required=False
    )
    autonomy = FixedChoiceField(label="Autonomie", choices=_blank(Autonomy.choices), required=False)
    progressed = FixedChoiceField(
        label="La personne dit avoir progressé", choices=Progress.choices, initial=Progress.NOT_ASKED, required=False
    )
    # Collective
    title = forms.CharField(label="Titre de l'atelier", max_length=200, required=False)
    level = FixedChoiceField(label="Niveau", choices=_blank(Level.choices), required=False)
    beneficiaries = LazyModelMultipleChoiceField(
        label="Bénéficiaires suivis présents",
        queryset=Beneficiary.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cherchez une personne par son nom, puis cochez-la.",
    )
    anonymous_participants = forms.IntegerField(label="Participants anonymes", min_value=0, initial=0, required=False)
    anonymous_first_time = forms.IntegerField(
        label="Dont venus pour la première fois", min_value=0, initial=0, required=False
    )
    anonymous_asked = forms.IntegerField(
        label="Dont interrogés sur leur progression", min_value=0, initial=0, required=False
    )
    anonymous_progressed = forms.IntegerField(
        label="Dont disent avoir progressé", min_value=0, initial=0, required=False
    )
    # Both
    redirection_category = FixedChoiceField(
        label="Orientation vers", choices=_blank(RedirectionCategory.choices), required=False
    )
    redirection_site = LazyModelChoiceField(
        label="Espace France Services",
        queryset=Site.objects.none(),
        required=False,
        empty_label="—",
        help_text="Les espaces France Services du département de votre structure.",
    )
    redirection_other = forms.CharField(label="Autre lieu d'orientation", max_length=200, required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    tags = LazyModelMultipleChoiceField(
        label="Étiquettes",
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Un projet local, un partenariat, une campagne : les étiquettes de votre structure, de votre "
        "équipe et du programme.",
    )

    def __init__(self, *args, advisor, default_site=None, activity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.advisor = advisor
        # Built when used: a recording posted without tags, orientation or followed person never reads their choices.
        self.fields["tags"].set_queryset_factory(lambda: self._usable_tags(activity))
        self.fields["site"].set_queryset_factory(lambda: sites_of(advisor))
        self.fields["site"].set_lookup(lambda pk: offers_site(advisor, pk))
        self.fields["redirection_site"].set_queryset_factory(lambda: france_services_near(advisor))
        for name in ("beneficiary", "beneficiaries"):
            self.fields[name].set_queryset_factory(self._followed)
            self.fields[name].label_from_instance = Beneficiary.distinguishing_label
        if not self.is_bound:  # the defaults of a new activity, under what the caller gives
            self.initial = {
                "type": ActivityType.INDIVIDUAL,
                "date": timezone.localdate(),
                "duration_preset": "30",
                "place_type": PlaceType.SITE,
                "site": default_site,
                **self.initial,
            }

    def _followed(self):
        return self.advisor.beneficiaries.filter(is_followed=True, erased_at__isnull=True).select_related("commune")

    def _usable_tags(self, activity):
        usable = Tag.objects.usable_by(self.advisor)
        if activity is not None:  # an archived tag already on the activity stays choosable, to be kept
            usable = Tag.objects.filter(Q(pk__in=usable.values("pk")) | Q(activities=activity)).distinct()
        return usable.order_by("name", "pk")

    def breakdown_groups(self):
        """The breakdown fields of anonymous participants, by genre, age bracket and status, for the template."""
        return [
            (title, [self[f"breakdown_{key}_{value}"] for value in BREAKDOWNS[key].values])
            for key, title in BREAKDOWN_TITLES.items()
        ]

    def _breakdown(self, data) -> dict:
        breakdown = {}
        for key, choices in BREAKDOWNS.items():
            counts = {value: data.pop(f"breakdown_{key}_{value}", None) for value in choices.values}
            counts = {value: count for value, count in counts.items() if count}
            if counts:
                breakdown[key] = counts
        return breakdown

    @classmethod
    def initial_from(cls, activity: Activity) -> dict:
        """The form's values for an activity recorded earlier."""
        minutes = activity.duration_minutes
        initial = {field: getattr(activity, field) for field in EDITABLE_FIELDS}
        initial |= {
            "duration_preset": str(minutes) if minutes in DURATION_PRESETS else OTHER_DURATION,
            "duration_other": None if minutes in DURATION_PRESETS else minutes,
            "site": activity.site_id,
            "redirection_site": activity.redirection_site_id,
            "commune": activity.commune_id,
            "tags": [tag.pk for tag in activity.tags.all()],
        }
        accompaniments = list(activity.accompaniments.select_related("beneficiary"))
        if activity.type == ActivityType.COLLECTIVE:
            initial["beneficiaries"] = [a.beneficiary_id for a in accompaniments]
        elif accompaniments:
            person = accompaniments[0].beneficiary
            initial["progressed"] = accompaniments[0].progressed
            if person.is_followed:
                initial["beneficiary"] = person.pk
            else:
                initial |= {"genre": person.genre, "age_bracket": person.age_bracket}
                initial["social_status"] = person.social_status
        for key, counts in (activity.anonymous_breakdown or {}).items():
            initial |= {f"breakdown_{key}_{value}": count for value, count in counts.items()}
        return initial

    def clean(self):
        data = super().clean()
        # Fields of the other type may have been typed before switching type: they are dropped, not refused.
        other = COLLECTIVE_ONLY if data.get("type") == ActivityType.INDIVIDUAL else INDIVIDUAL_ONLY
        for field in other:
            data.pop(field, None)
        # Minutes typed win over the preset left checked by default.
        preset = data.get("duration_preset")
        chosen = int(preset) if preset and preset != OTHER_DURATION else None
        data["duration_minutes"] = data.get("duration_other") or chosen
        data["anonymous_breakdown"] = self._breakdown(data) if data.get("type") == ActivityType.COLLECTIVE else {}
        if data.get("place_type") != PlaceType.SITE:
            data["site"] = None
        if data.get("place_type") not in (PlaceType.HOME, PlaceType.OTHER):
            data["commune"] = None
        if Theme.PROCEDURES not in data.get("themes", []):
            data["demarche_themes"] = []
        followed = len(data.get("beneficiaries") or [])
        for field, messages in validate_activity({**data, "followed_participants": followed}).items():
            target = field if field in self.fields else "duration_other" if field == "duration_minutes" else None
            for message in messages:
                if target is None or target not in self.errors:
                    self.add_error(target, message)
        return data

    def activity_data(self) -> dict:
        """What cnum.activities.services records."""
        data = dict(self.cleaned_data)
        for field in ("duration_preset", "duration_other"):
            data.pop(field, None)
        for field in [field for field in data if field.startswith("breakdown_")]:
            data.pop(field)
        for field in ("anonymous_participants", "anonymous_first_time", "anonymous_asked", "anonymous_progressed"):
            data[field] = data.get(field) or 0
        if isinstance(data.get("tags"), QuerySet) and data["tags"].query.is_empty():
            data["tags"] = []  # none ticked: the same to the service, without evaluating an empty queryset
        return data


# The anonymous participants' counts by genre, age bracket and status: declared once, after the other fields, and
# copied by each form as its declared fields are (built at each form, they cost ≈ 0.4 ms a recording: issue #20).
ActivityForm.base_fields |= {
    f"breakdown_{key}_{value}": forms.IntegerField(label=label, min_value=0, required=False)
    for key, choices in BREAKDOWNS.items()
    for value, label in choices.choices
}
ActivityForm.base_fields = QuickCopiedFields(ActivityForm.base_fields)


class ActivityFilterForm(BaseForm):
    since = forms.DateField(label="Du", required=False, widget=DateInput())
    until = forms.DateField(label="Au", required=False, widget=DateInput())
    type = forms.ChoiceField(label="Type", choices=[("", "Tous"), *ActivityType.choices], required=False)
    theme = forms.ChoiceField(label="Thématique", choices=[("", "Toutes"), *Theme.choices], required=False)
    site = forms.ModelChoiceField(label="Lieu", queryset=Site.objects.none(), required=False, empty_label="Tous")
    etiquette = forms.ModelChoiceField(
        label="Étiquette", queryset=Tag.objects.none(), required=False, empty_label="Toutes"
    )

    def __init__(self, *args, activities, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(pk__in=activities.values("site_id")).order_by("name")
        # The tags found on the listed activities that the user may read (a private tag of another scope never).
        tags = Tag.objects.filter(pk__in=ActivityTag.objects.filter(activity__in=activities).values("tag_id"))
        self.fields["etiquette"].queryset = tags.visible_to(user).order_by("name", "pk") if user else tags.none()

    def filter(self, activities):
        data = self.cleaned_data
        if data["since"]:
            activities = activities.filter(date__gte=data["since"])
        if data["until"]:
            activities = activities.filter(date__lte=data["until"])
        if data["type"]:
            activities = activities.filter(type=data["type"])
        if data["theme"]:
            activities = activities.filter(ListContains(F("themes"), data["theme"]))
        if data["site"]:
            activities = activities.filter(site=data["site"])
        if data.get("etiquette"):
            tagged = ActivityTag.objects.filter(tag=data["etiquette"]).values("activity_id")
            activities = activities.filter(pk__in=tagged)
        return activities


class SeeAgainForm(BaseForm):
    """The followed people to see again: those not accompanied for a chosen delay."""

    revoir = forms.ChoiceField(
        label="À revoir",
        required=False,
        choices=[("", "Toutes les personnes suivies"), ("30", "Sans accompagnement depuis 30 jours"),
                 ("90", "Sans accompagnement depuis 3 mois"), ("180", "Sans accompagnement depuis 6 mois"),
                 ("365", "Sans accompagnement depuis un an")],
    )  # fmt: skip


class BeneficiaryForm(BaseModelForm):
    class Meta:
        model = Beneficiary
        fields = ["first_name", "last_name", "birth_year", "phone", "email", "consent_date", "notes"]
        widgets = {"consent_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_date"].required = True
        self.fields["consent_date"].help_text = "La personne a accepté que vous gardiez ses coordonnées."
        self.fields["phone"].help_text = "Par exemple 06 12 34 56 78."

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return french_phone(phone) if phone else ""


class MergeForm(BaseForm):
    merge = forms.ModelChoiceField(label="Fusionner dans cette fiche", queryset=Beneficiary.objects.none())

    def __init__(self, *args, keep, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = keep.advisor.beneficiaries.filter(is_followed=True, erased_at__isnull=True).exclude(pk=keep.pk)
        self.fields["merge"].queryset = candidates


class TagForm(BaseForm):
    name = forms.CharField(label="Nom de l'étiquette", max_length=80, help_text="Un projet local, un partenariat…")
    visibility = forms.ChoiceField(
        label="Visibilité", choices=TagVisibility.choices, initial=TagVisibility.PUBLIC, widget=forms.RadioSelect
    )


class TagListForm(BaseForm):
    statut = forms.ChoiceField(
        label="Statut",
        choices=[("", "Actives"), ("archivees", "Archivées"), ("toutes", "Toutes")],
        required=False,
    )


class CoordinationActivityForm(BaseModelForm):
    """A coordination activity: the same date and duration rules as an activity (cnum.activities.validation)."""

    class Meta:
        model = CoordinationActivity
        fields = ["kind", "date", "duration_minutes", "participants", "partners", "notes"]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 4})}
        # In Meta, not set in __init__: the DSFR form reads its bound fields' help texts before __init__ ends.
        help_texts = {
            "duration_minutes": f"Entre {MIN_DURATION} et {MAX_DURATION} minutes.",
            "participants": "Les personnes présentes, vous compris.",
            "partners": "Les organisations associées, séparées par des virgules.",
            "notes": "Ne nommez pas les personnes accompagnées.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _blank(self.fields["kind"].choices[1:])

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("La date ne peut pas être dans le futur.")
        if date < EARLIEST_DATE:
            raise forms.ValidationError("La date ne peut pas être antérieure au 1er janvier 2020.")
        return date

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not MIN_DURATION <= minutes <= MAX_DURATION:
            raise forms.ValidationError(f"Indiquez une durée entre {MIN_DURATION} et {MAX_DURATION} minutes.")
        return minutes


class BeneficiaryImportForm(BaseForm):
    file = forms.FileField(label="Fichier", help_text="CSV ou XLSX, à partir du modèle, 5 Mo au plus.")

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Déposez un fichier CSV ou XLSX (partez du modèle).")
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers.")
        return upload
