import copy
import datetime
from collections.abc import MutableMapping

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router
from django.db.models import Q, Value
from django.db.models.functions import Concat
from dsfr.forms import DsfrBaseForm
from dsfr.utils import dsfr_input_class_attr

from cnum.core import imports
from cnum.core.enums import AuditAction
from cnum.core.models import AuditEvent


class BaseForm(DsfrBaseForm):
    """Every cnum form: DSFR markup; required fields carry the DSFR's asterisk, optional ones no mention
    (settings.DSFR_MARK_OPTIONAL_FIELDS). django-dsfr's own get_context is skipped: it only warns about that
    transitional setting."""

    def __init__(self, *args, **kwargs):
        # django-dsfr's __init__ gives each visible field its DSFR classes through a bound field built for it
        # (`visible_fields()`): the recording form's 44 took ≈ 0.3 ms a request (issue #20). The same classes, given
        # to the fields themselves, after the same initialisation.
        super(DsfrBaseForm, self).__init__(*args, **kwargs)
        if isinstance(self.fields, CopiedWhenUsed):
            return  # its declared fields carry their DSFR classes (QuickCopiedFields), and so do their copies
        for field in self.fields.values():
            if not field.widget.is_hidden:
                dsfr_input_class_attr(_Visible(self, field))

    def _clean_fields(self):
        """Django's, but a plain field this form has not copied yet (`CopiedWhenUsed.shared`) cleans its posted value
        itself, read as its bound field would read it (`Field._clean_bound_field`, `BoundField.data`): cleaning
        reads such a field, never changes it. Any other field is copied, then cleaned through its bound field."""
        fields = self.fields
        if not isinstance(fields, CopiedWhenUsed):
            return super()._clean_fields()
        for name in fields:
            shared = fields.shared(name)
            try:
                if shared is None:
                    bound = self[name]
                    self.cleaned_data[name] = bound.field._clean_bound_field(bound)
                else:  # what a bound field's `data` reads, without making one for each of the form's fields
                    value = self._widget_data_value(shared.widget, self.add_prefix(name))
                    self.cleaned_data[name] = shared.clean(value)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as error:
                self.add_error(name, error)

    def get_context(self):
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = False
        return context


_PLAIN_CLEANING = forms.Field._clean_bound_field


class _NotValidated:
    _errors = None


class _Visible:
    """What `dsfr_input_class_attr` reads of a visible field's bound field at the form's initialisation: the field,
    whether it is hidden, its form (not validated yet: its errors are not read)."""

    is_hidden = False

    def __init__(self, form: forms.Form, field: forms.Field):
        self.form, self.field = form, field


class LazyChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a lazy field, read from its queryset when rendered (so built then, not before)."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class LazyQuerysetMixin:
    """A model choice field whose queryset is built on first use: `field.set_queryset_factory(f)`. A form posted
    without a value for it (a recording without tags, orientation or followed person) never builds nor runs the
    queries behind its choices; rendering or validating a value builds it once."""

    _factory = None
    iterator = LazyChoiceIterator

    def set_queryset_factory(self, factory) -> None:
        self._factory = factory

    def _get_lazy_queryset(self):
        if self._factory is not None:
            factory, self._factory = self._factory, None
            self._set_queryset(factory())
        return self._queryset

    def _set_lazy_queryset(self, queryset):
        self._factory = None
        self._set_queryset(queryset)

    queryset = property(_get_lazy_queryset, _set_lazy_queryset)

    def clean(self, value):
        if self._factory is not None and not self.required and value in self.empty_values:
            return self._empty()
        return super().clean(value)

    def __deepcopy__(self, memo):
        # Each form copies its fields: the declared queryset (a `none()` that is never run, each form sets its own
        # factory) is shared rather than cloned by the ORM, which cost ≈ 0.1 ms a field, a form (issue #20).
        result = forms.Field.__deepcopy__(self, memo)
        result._queryset = self._queryset
        result.widget.choices = result.choices  # bound to the copy, as ModelChoiceField's own copy does
        return result


class FixedChoicesMixin:
    """Choices fixed by the code (an enumeration's): each form's copy of the field shares them instead of copying
    them deeply (the recording form's dozen choice fields took ≈ 0.5 ms a request: issue #20). New choices are given
    by assignment (`field.choices = …`, which makes a new list), never by changing the list in place."""

    def __deepcopy__(self, memo):
        return forms.Field.__deepcopy__(self, memo)


class FixedChoiceField(FixedChoicesMixin, forms.ChoiceField):
    pass


def _shallow(obj):
    """`copy.copy` of an object that keeps its state in its `__dict__`, without copy's generic protocol
    (`__reduce_ex__`, `copyreg`), which took most of a form field's copy."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


#: The copies that `quick_copy` makes the same way, faster: Django's Field's and Widget's, and the ones that only
#: skip a deeper copy of choices fixed by the code.
_PLAIN_FIELD_COPIES = frozenset({forms.Field.__deepcopy__, FixedChoicesMixin.__deepcopy__})
_PLAIN_WIDGET_COPIES = frozenset({forms.Widget.__deepcopy__, forms.widgets.ChoiceWidget.__deepcopy__})


def _plain(field: forms.Field) -> bool:
    """Whether the field and its widget are copied the plain way (no copy of their own, such as a queryset's)."""
    return type(field).__deepcopy__ in _PLAIN_FIELD_COPIES and type(field.widget).__deepcopy__ in _PLAIN_WIDGET_COPIES


def quick_copy(field: forms.Field, memo: dict) -> forms.Field:
    """A form's own copy of a declared field, as `copy.deepcopy(field)` makes it (Django's `Field.__deepcopy__` and
    `Widget.__deepcopy__`: the field and its widget copied, their attributes, error messages, validators and the
    widget's choices list their own), ≈ 3× faster. A field or widget with a copy of its own (a model choice field's
    queryset, a multi-value field's fields) is copied by it."""
    if not _plain(field):
        return copy.deepcopy(field, memo)
    result, widget = _shallow(field), _shallow(field.widget)
    memo[id(field)], memo[id(field.widget)] = result, widget
    widget.attrs = field.widget.attrs.copy()
    if "choices" in field.widget.__dict__:
        widget.choices = copy.copy(field.widget.choices)
    result.widget = widget
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    return result


class QuickCopiedFields(dict):
    """A form class's `base_fields`, which each form copies (`BaseForm.__init__`) field by field through
    `quick_copy`, each when the form first hands it out (`CopiedWhenUsed`): for a form built at every request with
    dozens of fields (the recording form's 44 cost ≈ 1 ms a request through `copy.deepcopy`, then ≈ 0.8 ms copied
    all at once by `quick_copy`: issue #20). The DSFR classes that `BaseForm.__init__` gives each form's visible
    fields are given once to the declared ones, and so to every copy."""

    def __init__(self, fields):
        super().__init__(fields)
        for field in self.values():
            if not field.widget.is_hidden:
                dsfr_input_class_attr(_Visible(_NotValidated(), field))

    def __deepcopy__(self, memo):
        return CopiedWhenUsed(self)


class CopiedWhenUsed(MutableMapping):
    """A form's fields, each copied from the declared one (`quick_copy`) the first time the form hands it out:
    `form.fields[name]`, `.get()`, `.values()`, `.items()`, a bound field (`form[name]`, rendering). Nothing outside
    this class ever gets a declared field, which the class and every other form share. Only the form's own cleaning
    (`BaseForm._clean_fields`) cleans a posted value with the declared field when the form has not copied it: a
    recording posted valid copies only the fields its form's `__init__` sets up (the recording form: 5 of 44)."""

    def __init__(self, declared: dict):
        self._declared = declared
        self._names = dict.fromkeys(declared)  # the fields' order, names added or removed by the form included
        self._own: dict = {}
        self._memo: dict = {}

    def __getitem__(self, name):
        own = self._own.get(name)
        if own is None:
            own = self._own[name] = quick_copy(self._declared[name], self._memo)
        return own

    def __setitem__(self, name, field):
        self._own[name] = field
        self._names[name] = None

    def __delitem__(self, name):
        del self._names[name]
        self._own.pop(name, None)

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)

    def __contains__(self, name):
        return name in self._names

    def is_own(self, name) -> bool:
        return name in self._own

    def shared(self, name) -> forms.Field | None:
        """The declared field, for cleaning a posted value only, when the form has not copied it and it is plain:
        copied the plain way (`quick_copy`: no copy of its own, such as a queryset's), enabled, cleaned by Django's
        `Field._clean_bound_field`. None otherwise: the form's own copy is to be used."""
        if name in self._own:
            return None
        field = self._declared[name]
        plain = _plain(field) and type(field)._clean_bound_field is _PLAIN_CLEANING
        return field if plain and not field.disabled else None


class FixedMultipleChoiceField(FixedChoicesMixin, forms.MultipleChoiceField):
    pass


class LazyModelChoiceField(LazyQuerysetMixin, forms.ModelChoiceField):
    _lookup = None

    def _empty(self):
        return None

    def set_lookup(self, lookup) -> None:
        """Check a posted key with `lookup(pk) -> bool` (is it one of the choices?) instead of building the choices'
        queryset, as long as nothing built it (a prepared read: cnum.core.prepared). The cleaned value is then the
        object with its key alone loaded: its other fields are read if something uses them."""
        self._lookup = lookup

    def clean(self, value):
        if self._lookup is None or self._factory is None or value in self.empty_values:
            return super().clean(value)
        model = self._queryset.model
        try:
            pk = model._meta.pk.to_python(getattr(value, "pk", value))
            known = 0 < pk < 2**63 and self._lookup(pk)
        except (TypeError, ValueError, ValidationError):
            known = False
        if not known:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        self.validate(value)
        return model.from_db(router.db_for_read(model), [model._meta.pk.attname], [pk])


class LazyModelMultipleChoiceField(LazyQuerysetMixin, forms.ModelMultipleChoiceField):
    def _empty(self):
        return self._queryset.none()  # the declared queryset's model, without building the real one


def errors_for(form: forms.BaseForm, error: ValidationError) -> ValidationError:
    """`error` with the messages about fields the form does not show moved to the top of the form."""
    if not hasattr(error, "error_dict"):
        return error
    shown: dict[str, list] = {}
    for field, messages in error.error_dict.items():
        key = field if field in form.fields else NON_FIELD_ERRORS
        shown.setdefault(key, []).extend(messages)
    return ValidationError(shown)


class DateInput(forms.DateInput):
    """The browser's date picker; it reads and writes ISO dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class BaseModelForm(BaseForm, forms.ModelForm):
    """A DSFR model form. The model's own rules (`clean`, constraints) validate it; a rule about a field the form
    does not show is reported at the top of the form rather than lost."""

    def _update_errors(self, errors):
        super()._update_errors(errors_for(self, errors))


class AuditFilterForm(BaseForm):
    actor = forms.CharField(label="Personne", required=False, help_text="Nom ou adresse électronique")
    object_name = forms.CharField(label="Objet", required=False, help_text="Nom de l'objet")
    content_type = forms.ModelChoiceField(
        label="Type d'objet",
        queryset=ContentType.objects.none(),
        required=False,
        empty_label="Tous",
    )
    action = forms.ChoiceField(label="Action", choices=[("", "Toutes"), *AuditAction.choices], required=False)
    since = forms.DateField(label="Du", required=False, widget=DateInput())
    until = forms.DateField(label="Au", required=False, widget=DateInput())
    # Set by the "this object's history" links of the page, not typed: people do not know the ids.
    object_id = forms.CharField(required=False, widget=forms.HiddenInput)

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
            events = events.filter(actor_matching(data["actor"]))
        if data["object_name"]:
            events = events.filter(object_repr__icontains=data["object_name"])
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


def actor_matching(text: str) -> Q:
    """Events by the person whose account name, first or last name, full name or e-mail contains `text`."""
    users = (
        get_user_model()
        ._base_manager.annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        .filter(
            Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
            | Q(email__icontains=text)
            | Q(full_name__icontains=text)
        )
    )
    return Q(actor_label__icontains=text) | Q(actor_id__in=users.values("pk"))


MAX_IMPORT_BYTES = 50 * 1024 * 1024


class ImportUploadForm(BaseForm):
    format = forms.ChoiceField(label="Format du fichier")
    file = forms.FileField(label="Fichier", help_text="CSV, XLSX ou JSON selon le format, 50 Mo au plus.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.name, f.label) for f in imports.formats()]

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
