from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cnum.advisors import perms
from cnum.advisors.enums import AdvisorStatus, ContractKind
from cnum.advisors.models import Advisor, Contract, SiteAssignment, Team, TeamMembership, Training
from cnum.core.forms import BaseForm, BaseModelForm, DateInput
from cnum.core.validators import french_phone
from cnum.sites.models import Site
from cnum.structures.enums import PostStatus
from cnum.structures.models import Post, Structure
from cnum.territories.models import Departement, Region


class PostChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, post):
        state = f"vacant depuis le {post.vacant_since:%d/%m/%Y}" if post.vacant_since else "occupé"
        return f"Poste n° {post.pk} — {post.structure.name} ({state})"


# --- advisors -------------------------------------------------------------------------------------------------


class AdvisorFilterForm(BaseForm):
    q = forms.CharField(label="Nom, prénom ou courriel", required=False)
    region = forms.ModelChoiceField(
        label="Région", queryset=Region.objects.regions(), required=False, empty_label="Toutes"
    )
    departement = forms.ModelChoiceField(
        label="Département", queryset=Departement.objects.all(), required=False, empty_label="Tous"
    )
    structure = forms.CharField(label="Structure (nom ou SIRET)", required=False)
    kind = forms.ChoiceField(label="Type de contrat", choices=[("", "Tous"), *ContractKind.choices], required=False)
    status = forms.ChoiceField(label="Situation", choices=[("", "Toutes"), *AdvisorStatus.choices], required=False)

    def filter(self, advisors):
        """Région, département, structure and kind apply to the same current contract; the rest to the person."""
        data = self.cleaned_data
        advisors = advisors.search(data["q"])
        on_contract = []
        if data["region"]:
            on_contract.append(Q(structure__departement__region=data["region"]))
        if data["departement"]:
            on_contract.append(Q(structure__departement=data["departement"]))
        if text := data["structure"].strip():
            matches = Q(structure__name__icontains=text)
            if identifier := "".join(char for char in text if char.isalnum()).upper():
                matches |= Q(structure__identifier=identifier)  # a SIRET typed with spaces still matches
            on_contract.append(matches)
        if data["kind"]:
            on_contract.append(Q(kind=data["kind"]))
        if on_contract:
            advisors = advisors.filter(pk__in=Contract.objects.current().filter(*on_contract).values("advisor_id"))
        if data["status"] == AdvisorStatus.IN_POST:
            advisors = advisors.in_post()
        elif data["status"] == AdvisorStatus.WITHOUT_CONTRACT:
            advisors = advisors.without_contract()
        return advisors


class AdvisorForm(BaseModelForm):
    class Meta:
        model = Advisor
        fields = ["first_name", "last_name", "email", "phone"]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return french_phone(phone) if phone else ""


class AdvisorCreateForm(AdvisorForm):
    legend = "Identité"


class ContractFieldsMixin:
    """Employer and post choices: structures the user manages, their active posts (and the contract's own)."""

    def limit_choices(self, user, *, structure=None, current_post=None):
        structures = perms.manageable_structures(user)
        if "structure" in self.fields:
            self.fields["structure"].queryset = structures
            if structure is None and not perms.acts_nationally(user):
                structure = structures.first()  # a structure manager records contracts for their own structure
            if structure is not None:
                self.fields["structure"].initial = structure.pk
        posts = Post.objects.filter(structure__in=structures, status=PostStatus.ACTIVE)
        if structure is not None:
            posts = posts.filter(structure=structure)
        if current_post is not None:
            posts = posts | Post.objects.filter(pk=current_post.pk)
        self.fields["post"].queryset = posts.select_related("structure").order_by("structure__name", "pk")


class ContractStartForm(ContractFieldsMixin, BaseModelForm):
    post = PostChoiceField(
        label="Poste",
        queryset=Post.objects.none(),
        required=False,
        help_text="Vide si le contrat n'occupe pas un poste conventionné.",
    )

    class Meta:
        model = Contract
        fields = ["structure", "post", "kind", "start", "end", "end_reason"]
        labels = {"end": "Fin prévue"}
        widgets = {"start": DateInput(), "end": DateInput()}
        help_texts = {"end_reason": "Seulement pour un contrat déjà terminé."}

    def __init__(self, *args, user, advisor=None, structure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.advisor = advisor
        self.limit_choices(user, structure=structure)


class AdvisorCreateContractForm(ContractStartForm):
    """The first contract, on the advisor creation page; optional for the programme team only."""

    legend = "Contrat de travail"

    def __init__(self, *args, required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_permitted = not required
        self.use_required_attribute = required

    def is_filled(self) -> bool:
        return self.is_bound and self.is_valid() and bool(self.cleaned_data.get("structure"))


class ContractEditForm(ContractFieldsMixin, BaseModelForm):
    post = PostChoiceField(label="Poste", queryset=Post.objects.none(), required=False)

    class Meta:
        model = Contract
        fields = ["post", "kind", "start", "end", "end_reason"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_choices(user, structure=self.instance.structure, current_post=self.instance.post)


class ContractEndForm(BaseModelForm):
    class Meta:
        model = Contract
        fields = ["end", "end_reason"]
        labels = {"end": "Dernier jour du contrat"}
        widgets = {"end": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end"].required = True
        self.fields["end_reason"].required = True


# --- sites and trainings --------------------------------------------------------------------------------------


class SiteAssignmentForm(BaseModelForm):
    class Meta:
        model = SiteAssignment
        fields = ["site", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, advisor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.advisor = advisor
        self.fields["site"].queryset = candidate_sites(advisor, current=self.instance.site_id)
        self.fields["site"].help_text = "Les lieux des structures et des départements où le conseiller a travaillé."


def candidate_sites(advisor, *, current=None):
    """Sites an advisor may be assigned to: those of their employers, and any in their employers' départements."""
    employers = Contract.objects.filter(advisor=advisor)
    sites = Site.objects.filter(
        Q(structure_id__in=employers.values("structure_id"))
        | Q(departement_id__in=employers.exclude(structure__departement=None).values("structure__departement_id"))
    )
    if current is not None:
        sites = sites | Site.objects.filter(pk=current)
    return sites.order_by("name", "pk")


class TrainingForm(BaseModelForm):
    class Meta:
        model = Training
        fields = ["kind", "start", "end", "hours", "provider", "certification", "pix_level"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, advisor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.advisor = advisor


# --- teams ----------------------------------------------------------------------------------------------------


class TeamForm(BaseModelForm):
    class Meta:
        model = Team
        fields = ["name", "structure", "coordinator"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        structures = perms.manageable_structures(user)
        coordinators = Advisor.objects.visible_to(user)
        if self.instance.pk:
            structures = structures | Structure.objects.filter(pk=self.instance.structure_id)
            coordinators = coordinators | Advisor.objects.filter(pk=self.instance.coordinator_id)
        self.fields["structure"].queryset = structures
        # A manager's team stays in their structure, or they would stop seeing it.
        keeps_structure = not self.instance.pk or self.instance.structure_id is not None
        self.fields["structure"].required = keeps_structure and not perms.acts_nationally(user)
        self.fields["coordinator"].queryset = coordinators


class TeamMembershipForm(BaseModelForm):
    """Ask an advisor to join a team, or correct the period of a membership (saved by services.membership_save)."""

    class Meta:
        model = TeamMembership
        fields = ["advisor", "start", "end"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, user, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.team = team
        self.stored_start = self.instance.start if self.instance.pk else None
        if self.instance.pk:
            del self.fields["advisor"]
        else:
            self.fields["advisor"].queryset = candidate_members(user, team)
            self.fields["advisor"].help_text = "Les conseillers que la structure porteuse de l'équipe emploie."

    def clean_start(self):
        """No back-dating: a membership opens the advisor's figures from its start, so it starts today at the
        earliest; a correction may still move a past start later (it narrows what the coordinator sees)."""
        start = self.cleaned_data["start"]
        today = timezone.localdate()
        if start < today and (self.stored_start is None or start < self.stored_start):
            raise ValidationError(
                f"La date de début ne peut pas être antérieure à aujourd'hui ({today:%d/%m/%Y}) : "
                "l'appartenance à une équipe ne s'enregistre pas avec effet rétroactif."
            )
        return start


def candidate_members(user, team):
    """Advisors who may join `team`: those its carrying structure employs now (a current contract). A team carried
    by no structure (set up by the programme team) takes any advisor the user sees. Never the advisors of other
    employers, even nearby: a team gives its coordinator access to its members (security review #15)."""
    if team.structure_id is None:
        return Advisor.objects.visible_to(user) if perms.acts_nationally(user) else Advisor.objects.none()
    return Advisor.objects.filter(
        pk__in=Contract.objects.current().filter(structure_id=team.structure_id).values("advisor_id")
    )
