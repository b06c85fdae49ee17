"""Forms of the import assistant (third-party CSV, "csv-auto") and of the duplicate review. French messages."""

import re

from django import forms

from cnum.core.forms import BaseForm
from cnum.sites import schema
from cnum.sites.importers import mapping, required, vocabularies
from cnum.sites.services import EXISTING, PROPOSED

MAX_BYTES = 50 * 1024 * 1024
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class WizardUploadForm(BaseForm):
    file = forms.FileField(label="Fichier CSV", help_text="Séparé par des virgules, points-virgules ou tabulations.")
    source = forms.CharField(
        label="Nom de la source",
        max_length=100,
        help_text="Qui a produit la liste, en minuscules et tirets (ex. hub-xyz). Sa correspondance de colonnes "
        "sera enregistrée et reprise au prochain fichier.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Un fichier .csv est attendu.")
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("Le fichier dépasse 50 Mo : découpez-le ou utilisez la commande d'import.")
        return upload

    def clean_source(self):
        source = self.cleaned_data["source"].strip().lower()
        if not SOURCE_NAME.fullmatch(source):
            raise forms.ValidationError("Lettres minuscules sans accent, chiffres et tirets seulement (ex. hub-xyz).")
        return source


class MappingForm(BaseForm):
    """One select per column of the file: the schema column it holds, or « ignorée »."""

    IGNORED = ""

    def __init__(self, *args, columns: dict[str, str | None], rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.columns, self.rows = list(columns), rows
        choices = [(self.IGNORED, "— ignorée —"), *mapping.targets()]
        for index, (column, target) in enumerate(columns.items()):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=f"Colonne « {column} »", choices=choices, required=False, initial=target or self.IGNORED
            )

    def clean(self):
        data = super().clean()
        chosen = self.chosen(data)
        _columns, _notes, missing = required.complete(chosen, self.rows, chosen_by_person=True)
        for problem in [*mapping.problems(chosen), *missing]:
            self.add_error(None, problem)
        return data

    def chosen(self, data=None) -> dict[str, str | None]:
        data = self.cleaned_data if data is None else data
        return {column: data.get(f"column_{index}") or None for index, column in enumerate(self.columns)}


class ValuesForm(BaseForm):
    """One field per distinct value in words of the last analysis: the schema value it stands for, or none; for
    services and publics (free sentences), the values it stands for, none, one or several."""

    NONE = ""

    def __init__(self, *args, review: list[list], **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review
        for index, (column, item, value, how, rows, *rest) in enumerate(review):
            how_label = vocabularies.HOW[how]
            if rest and rest[0]:
                how_label += f" : {' ou '.join(rest[0])}"
            label = f"{column} : « {item} » ({how_label}, {rows} ligne{'s' if rows > 1 else ''})"
            if column in vocabularies.SEVERAL:
                self.fields[f"value_{index}"] = forms.MultipleChoiceField(
                    label=label,
                    choices=_value_choices(column),
                    required=False,
                    initial=_as_list(value),
                    widget=forms.CheckboxSelectMultiple,
                    help_text="Aucune case cochée : texte non repris.",
                )
            else:
                self.fields[f"value_{index}"] = forms.ChoiceField(
                    label=label,
                    choices=[(self.NONE, "— non reprise —"), *_value_choices(column)],
                    required=False,
                    initial=value or self.NONE,
                )

    def decided(self) -> dict[str, dict]:
        """The values the person changed, by column, as `csv_auto.run(values=…)` takes them (a list of values for
        services and publics)."""
        decided: dict[str, dict] = {}
        for index, (column, item, value, *_rest) in enumerate(self.review):
            chosen = self.cleaned_data.get(f"value_{index}")
            if column in vocabularies.SEVERAL:
                if sorted(chosen or []) != sorted(_as_list(value)):
                    decided.setdefault(column, {})[item] = list(chosen or [])
            elif (chosen or None) != value:
                decided.setdefault(column, {})[item] = chosen or None
        return decided


def _as_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value] if value else []


def _value_choices(column: str) -> list[tuple[str, str]]:
    if column == "typologie":
        return [(code, f"{code} — {label}") for code, label in schema.typology_labels().items()]
    return schema.enumeration(column).choices


class MergeForm(BaseForm):
    """For each group of fields that differs, which value to keep."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for row in rows:
            if not row["differs"]:
                continue
            self.fields[row["group"]] = forms.ChoiceField(
                label=row["label"].capitalize(),
                choices=[(EXISTING, "Garder la valeur existante"), (PROPOSED, "Prendre la valeur proposée")],
                initial=row["default"],
                widget=forms.RadioSelect,
            )
