"""A commune chosen by name or postal code, with suggestions as one types (HTMX fills a native datalist)."""

from django import forms
from django.urls import reverse_lazy

from cnum.territories.lookup import commune_from_label, commune_label
from cnum.territories.models import Commune

SUGGESTIONS_ID = "{name}-suggestions"


class CommuneInput(forms.TextInput):
    """A text input tied to a datalist that HTMX refreshes from territories:commune_suggestions as one types; the
    browser offers the suggestions natively (keyboard and screen readers included). No script of cnum's own: the
    page's Content-Security-Policy holds. Without JavaScript it stays a text input the field reads liberally."""

    template_name = "territories/commune_input.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        suggestions = SUGGESTIONS_ID.format(name=context["widget"]["attrs"].get("id") or name)
        context["widget"]["attrs"] |= {
            "list": suggestions,
            "hx-get": str(reverse_lazy("territories:commune_suggestions")),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": f"#{suggestions}",
            "hx-swap": "innerHTML",
        }
        context["suggestions_id"] = suggestions
        return context

    def format_value(self, value):
        if isinstance(value, Commune):
            return commune_label(value.pk)
        if isinstance(value, int):
            return commune_label(value)
        return super().format_value(value)


class CommuneField(forms.CharField):
    """The Commune a person picked among the suggestions, or typed: "Villeurbanne (69100)", a postal code served
    by one commune, an INSEE code, a name unique in France (cnum.territories.lookup.commune_from_label)."""

    widget = CommuneInput

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("help_text", "Tapez le début de son nom ou son code postal, puis choisissez-la.")
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        found = commune_from_label(text)
        if found.ok:
            return found.commune
        if found.candidates:
            raise forms.ValidationError(f"{found.reason} Choisissez la commune dans la liste.")
        raise forms.ValidationError(
            f"Aucune commune ne correspond à « {text} ». Tapez le début de son nom ou son code postal, "
            "puis choisissez-la dans la liste."
        )
