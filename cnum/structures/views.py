"""Structure pages: list, detail, create and edit, and the posts workflow (COSELEC, amendments).

Thin views: what a user sees comes from Structure.objects.visible_to / perms.py, what changes from services.py.
An unknown id is a 404; a structure or an action outside the active role's scope is a 403. GET never writes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render

from cnum.core.audit_trail import present
from cnum.core.models import AuditEvent
from cnum.structures import perms, services
from cnum.structures.enums import PostStatus
from cnum.structures.forms import (
    AmendmentDecisionForm,
    AmendmentRequestForm,
    CoselecDecisionForm,
    PrefectureOpinionForm,
    StructureFilterForm,
    StructureForm,
)
from cnum.structures.models import CoselecDecision, Post, PostAmendment, Structure

PAGE_SIZE = 50
#: Up to this many visible structures (a structure manager's own), the list has no filters.
FILTERS_FROM = 1
HISTORY_SIZE = 50


def _visible_structure(request, pk: int) -> Structure:
    structure = get_object_or_404(Structure.objects.select_related("commune", "departement__region", "hub"), pk=pk)
    if not perms.can_view_structure(request.user, structure):
        raise PermissionDenied
    return structure


def _visible_amendment(request, pk: int) -> PostAmendment:
    amendment = get_object_or_404(PostAmendment.objects.select_related("structure__departement"), pk=pk)
    if not perms.can_view_structure(request.user, amendment.structure):
        raise PermissionDenied
    return amendment


@login_required
def structure_list(request):
    structures = (
        Structure.objects.visible_to(request.user)
        .select_related("commune", "departement")
        .with_active_posts_count()
        .order_by("name", "pk")
    )
    # One structure is read at a glance: six filters would only get in the way.
    searchable = Structure.objects.visible_to(request.user).count() > FILTERS_FROM
    form = StructureFilterForm(request.GET or None)
    if searchable and form.is_valid():
        structures = form.filter(structures)
    page = Paginator(structures, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "structures/structure_list.html",
        {
            "title": "Structures",
            "form": form if searchable else None,
            "page": page,
            "query": query.urlencode(),
            "filtered": searchable and any(value for name, value in request.GET.items() if name != "page"),
            "can_create": perms.can_create_structure(request.user),
        },
    )


@login_required
def structure_detail(request, pk: int):
    structure = _visible_structure(request, pk)
    user = request.user
    amendments = list(structure.amendments.select_related("requested_by", "opinion_by", "decided_by"))
    for amendment in amendments:
        amendment.structure = structure
        is_open = not amendment.is_decided
        amendment.opinion_allowed = (
            is_open and not amendment.has_opinion and perms.can_give_prefecture_opinion(user, amendment)
        )
        amendment.decision_allowed = is_open and amendment.has_opinion and perms.can_decide_amendment(user, amendment)
    decisions = list(structure.coselec_decisions.all())
    # The contracts running today, with their advisors, for all the posts at once (a query per post before).
    current = Post.contracts.rel.related_model.objects.current().select_related("advisor")
    posts = list(
        structure.posts.select_related("granted_by", "added_by", "returned_by").prefetch_related(
            Prefetch("contracts", queryset=current, to_attr="current_contracts")
        )
    )
    return render(
        request,
        "structures/structure_detail.html",
        {
            "title": structure.name,
            "structure": structure,
            "networks": structure.networks.all(),
            "posts": posts,
            "active_posts": [post for post in posts if post.status == PostStatus.ACTIVE],
            "timeline": _timeline(decisions, amendments),
            "history": _history(user, structure, posts, decisions, amendments),
            "can_edit": perms.can_edit_structure(user, structure),
            "can_record_coselec": perms.can_record_coselec_decision(user, structure),
            "can_request_amendment": perms.can_request_amendment(user, structure),
        },
    )


def _timeline(decisions: list[CoselecDecision], amendments: list[PostAmendment]) -> list[dict]:
    """COSELEC decisions and amendments, newest first."""
    entries = [{"date": decision.date, "decision": decision} for decision in decisions]
    entries += [{"date": amendment.requested_on, "amendment": amendment} for amendment in amendments]
    return sorted(entries, key=lambda entry: entry["date"], reverse=True)


def _history(user, structure, posts, decisions, amendments):
    """The audit events of the structure and of its posts, decisions and amendments, for those who read the log."""
    if not perms.can_view_structure_history(user):
        return None
    content_type = ContentType.objects.get_for_model
    objects = Q(content_type=content_type(Structure), object_id=str(structure.pk))
    for model, items in ((Post, posts), (CoselecDecision, decisions), (PostAmendment, amendments)):
        if items:
            objects |= Q(content_type=content_type(model), object_id__in=[str(item.pk) for item in items])
    events = AuditEvent.objects.visible_to(user).filter(objects).select_related("content_type")[:HISTORY_SIZE]
    return present(list(events))  # names, labels and local times, as on the audit trail page


@login_required
def structure_create(request):
    if not perms.can_create_structure(request.user):
        raise PermissionDenied
    form = StructureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        structure = form.save()
        _saved(request, form, f"Structure « {structure} » créée.")
        return redirect(structure)
    return render(
        request,
        "structures/structure_form.html",
        {"title": "Nouvelle structure", "form": form, "cancel_url": "structures:list"},
    )


@login_required
def structure_edit(request, pk: int):
    structure = _visible_structure(request, pk)
    if not perms.can_edit_structure(request.user, structure):
        raise PermissionDenied
    identity = perms.can_edit_structure_identity(request.user, structure)
    form = StructureForm(request.POST or None, instance=structure, identity=identity)
    if request.method == "POST" and form.is_valid():
        form.save()
        _saved(request, form, "Modifications enregistrées.")
        return redirect(structure)
    return render(
        request,
        "structures/structure_form.html",
        {"title": f"Modifier « {structure} »", "form": form, "structure": structure, "identity": identity},
    )


def _saved(request, form: StructureForm, message: str) -> None:
    messages.success(request, message)
    if form.commune_notes:
        messages.info(request, "Commune : " + " ".join(form.commune_notes))


def _action_page(request, form, *, title: str, structure, submit: str, amendment=None, closed: str = ""):
    return render(
        request,
        "structures/action_form.html",
        {
            "title": title,
            "form": form,
            "structure": structure,
            "amendment": amendment,
            "submit": submit,
            "closed": closed,
        },
    )


def _apply(form, action) -> bool:
    """Run a service with the form's data; its refusal becomes an error of the form."""
    try:
        action(form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@login_required
def coselec_decide(request, pk: int):
    structure = _visible_structure(request, pk)
    if not perms.can_record_coselec_decision(request.user, structure):
        raise PermissionDenied
    form = CoselecDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda data: services.coselec_decide(structure=structure, decided_by=request.user, **data)):
            messages.success(request, "Décision COSELEC enregistrée.")
            return redirect(structure)
    return _action_page(request, form, title="Décision COSELEC", structure=structure, submit="Enregistrer la décision")


@login_required
def amendment_request(request, pk: int):
    structure = _visible_structure(request, pk)
    if not perms.can_request_amendment(request.user, structure):
        raise PermissionDenied
    form = AmendmentRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _apply(
            form, lambda data: services.amendment_request(structure=structure, requested_by=request.user, **data)
        ):
            messages.success(request, "Demande d'avenant enregistrée : la préfecture va donner son avis.")
            return redirect(structure)
    return _action_page(request, form, title="Demande d'avenant", structure=structure, submit="Envoyer la demande")


@login_required
def amendment_opinion(request, pk: int):
    amendment = _visible_amendment(request, pk)
    if not perms.can_give_prefecture_opinion(request.user, amendment):
        raise PermissionDenied
    form = PrefectureOpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda data: services.amendment_give_opinion(amendment=amendment, by=request.user, **data)):
            messages.success(request, "Avis de la préfecture enregistré.")
            return redirect(amendment.structure)
    closed = ""
    if amendment.is_decided or amendment.has_opinion:
        closed = "L'avis de la préfecture a déjà été donné pour cet avenant."
    return _action_page(
        request,
        form,
        title="Avis de la préfecture",
        structure=amendment.structure,
        amendment=amendment,
        submit="Enregistrer l'avis",
        closed=closed,
    )


@login_required
def amendment_decide(request, pk: int):
    amendment = _visible_amendment(request, pk)
    if not perms.can_decide_amendment(request.user, amendment):
        raise PermissionDenied
    form = AmendmentDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _apply(form, lambda data: services.amendment_decide(amendment=amendment, by=request.user, **data)):
            messages.success(request, "Décision nationale enregistrée.")
            return redirect(amendment.structure)
    closed = ""
    if amendment.is_decided:
        closed = "Cet avenant a déjà été décidé."
    elif not amendment.has_opinion:
        closed = "La préfecture n'a pas encore donné son avis : la décision nationale vient après."
    return _action_page(
        request,
        form,
        title="Décision nationale sur l'avenant",
        structure=amendment.structure,
        amendment=amendment,
        submit="Enregistrer la décision",
        closed=closed,
    )
