import datetime

from django import forms
from django.contrib.contenttypes.models import ContentType
from dsfr.forms import DsfrBaseForm

from cnum.core import imports
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent


class BaseForm(DsfrBaseForm):
    """Every cnum form: DSFR markup; optional fields are marked (the DSFR's current advice), not required ones."""

    def get_context(self):
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = True
        return context


class AuditFilterForm(BaseForm):
    actor = forms.CharField(label="Auteur", required=False)
    content_type = forms.ModelChoiceField(
        label="Type d'objet",
        queryset=ContentType.objects.none(),
        required=False,
        empty_label="Tous",
    )
    action = forms.ChoiceField(label="Action", choices=[("", "Toutes"), *AuditAction.choices], required=False)
    since = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    object_id = forms.CharField(label="Identifiant de l'objet", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content_type"].queryset = ContentType.objects.filter(
            pk__in=AuditEvent.objects.values("content_type")
        ).order_by("app_label", "model")
        self.fields["content_type"].label_from_instance = lambda ct: str(
            ct.model_class()._meta.verbose_name
        ).capitalize()

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["content_type"]:
            events = events.filter(content_type=data["content_type"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_id"]:
            events = events.filter(object_id=data["object_id"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lt=data["until"] + datetime.timedelta(days=1))
        return events


MAX_IMPORT_BYTES = 50 * 1024 * 1024


class ImportUploadForm(BaseForm):
    format = forms.ChoiceField(label="Format du fichier")
    file = forms.FileField(label="Fichier", help_text="CSV ou JSON, 50 Mo au plus.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.name, f"{f.label} ({f.target})") for f in imports.formats()]

    def clean_format(self):
        return imports.get_format(self.cleaned_data["format"])

    def clean(self):
        data = super().clean()
        upload, import_format = data.get("file"), data.get("format")
        if upload and upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", "Le fichier dépasse 50 Mo : découpez-le ou utilisez la commande d'import.")
        if upload and import_format and not upload.name.lower().endswith(import_format.extensions):
            expected = ", ".join(import_format.extensions)
            self.add_error("file", f"Ce format attend un fichier {expected}.")
        return data
