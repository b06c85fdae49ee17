"""cnum's forms give their fields django-dsfr's classes without building a bound field for each (BaseForm.__init__,
issue #20): the same widget attributes, group classes and label suffixes as django-dsfr's own initialisation."""

from django import forms
from dsfr.forms import DsfrBaseForm

from cnum.accounts.forms import LoginForm, NewPasswordForm, ResetRequestForm
from cnum.core.forms import BaseForm


class Every(BaseForm):
    text = forms.CharField()
    area = forms.CharField(widget=forms.Textarea)
    hidden = forms.CharField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(choices=[("a", "A")])
    choices = forms.MultipleChoiceField(choices=[("a", "A")])
    radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
    box = forms.BooleanField(required=False)
    upload = forms.FileField(required=False)
    classed = forms.CharField(widget=forms.TextInput(attrs={"class": "mine"}))


def dsfr_twin(form_class):
    """The same form initialised by django-dsfr's own __init__ (BaseForm's skipped)."""

    class Twin(form_class):
        def __init__(self, *args, **kwargs):
            DsfrBaseForm.__init__(self, *args, **kwargs)

    return Twin


def markup(form) -> dict:
    return {
        name: (field.widget.attrs, getattr(field.widget, "group_class", None), field.label_suffix)
        for name, field in form.fields.items()
    }


def test_the_fields_get_the_classes_django_dsfr_gives_them():
    assert markup(Every()) == markup(dsfr_twin(Every)())
    assert markup(Every())["choice"][0] == {"class": "fr-select"}
    assert markup(Every())["hidden"][0] == {}


def test_the_account_forms_too(db):
    for form_class in (LoginForm, ResetRequestForm):
        assert markup(form_class()) == markup(dsfr_twin(form_class)())
    assert markup(NewPasswordForm(None)) == markup(dsfr_twin(NewPasswordForm)(None))
