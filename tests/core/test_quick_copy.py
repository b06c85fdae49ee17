"""Each form's own copy of its declared fields (cnum.core.forms.quick_copy, QuickCopiedFields): what
`copy.deepcopy` makes, faster — no form shares a mutable part of a field with another form or with its class."""

import copy

from django import forms

from cnum.activities.forms import ActivityForm
from cnum.core.forms import FixedChoiceField, QuickCopiedFields, quick_copy
from cnum.sites.models import Site


def _state(field: forms.Field) -> dict:
    """What a field holds, its widget's included, as comparable values."""
    widget = {key: value for key, value in vars(field.widget).items()}
    return {**{key: value for key, value in vars(field).items() if key != "widget"}, "widget": widget}


def test_a_quick_copy_holds_what_a_deep_copy_holds_and_shares_nothing_mutable():
    for field in (
        forms.IntegerField(label="Participants", min_value=0, max_value=600, required=False),
        forms.CharField(label="Titre", max_length=200, widget=forms.TextInput(attrs={"class": "fr-input"})),
        FixedChoiceField(label="Type", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect),
    ):
        quick, deep = quick_copy(field, {}), copy.deepcopy(field)
        assert type(quick) is type(field) and type(quick.widget) is type(field.widget)
        assert _state(quick) == _state(deep)
        assert quick is not field and quick.widget is not field.widget
        for part in ("error_messages", "validators"):
            assert getattr(quick, part) is not getattr(field, part)
        assert quick.widget.attrs is not field.widget.attrs
        quick.widget.attrs["aria-invalid"] = "true"
        quick.error_messages["required"] = "changé"
        quick.validators.append(lambda value: None)
        assert "aria-invalid" not in field.widget.attrs and field.error_messages["required"] != "changé"
        assert len(field.validators) == len(deep.validators)


def test_a_field_with_a_copy_of_its_own_is_copied_by_it():
    field = forms.ModelChoiceField(queryset=Site.objects.all(), required=False)
    copied = quick_copy(field, {})
    assert copied.queryset is not field.queryset  # ModelChoiceField's own copy clones the queryset
    assert copied.widget.choices.field is copied  # and binds the widget's choices to the copy


def test_two_recording_forms_share_no_field_widget_or_attributes():
    assert isinstance(ActivityForm.base_fields, QuickCopiedFields)
    first, second = ActivityForm(advisor=None), ActivityForm(advisor=None)
    assert list(first.fields) == list(second.fields) == list(ActivityForm.base_fields)
    for name, field in first.fields.items():
        other, declared = second.fields[name], ActivityForm.base_fields[name]
        assert field is not other and field is not declared
        assert field.widget is not other.widget and field.widget is not declared.widget
        assert field.widget.attrs is not other.widget.attrs
