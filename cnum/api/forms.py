from django import forms

from cnum.api.perms import token_advisors, token_structures

ADVISOR, STRUCTURE = "advisor", "structure"


class TokenForm(forms.Form):
    name = forms.CharField(label="Nom du jeton", max_length=100, help_text="Par exemple : le logiciel qui s'en sert.")
    scope = forms.ChoiceField(label="Le jeton agit pour")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.advisors = {str(a.pk): a for a in token_advisors(user)}
        self.structures = {str(s.pk): s for s in token_structures(user)}
        choices = [(f"{ADVISOR}:{pk}", f"Moi-même, {advisor}") for pk, advisor in self.advisors.items()]
        choices += [(f"{STRUCTURE}:{pk}", f"La structure {structure}") for pk, structure in self.structures.items()]
        self.fields["scope"].choices = choices

    def scope_kwargs(self) -> dict:
        kind, pk = self.cleaned_data["scope"].split(":")
        if kind == ADVISOR:
            return {"advisor": self.advisors[pk]}
        return {"structure": self.structures[pk]}
