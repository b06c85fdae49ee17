"""Pages where advisors and structure managers create and revoke their partner API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cnum.api.forms import TokenForm
from cnum.api.models import ApiToken
from cnum.api.perms import can_create_tokens, can_revoke_token, token_structures


def _tokens(user):
    mine = ApiToken.objects.owned_by(user)
    managed = ApiToken.objects.filter(structure__in=token_structures(user))
    return (mine | managed).distinct().select_related("advisor", "structure", "owner")


@login_required
def token_list(request):
    return render(
        request,
        "api/token_list.html",
        {"tokens": _tokens(request.user), "can_create": can_create_tokens(request.user)},
    )


@login_required
def token_create(request):
    if not can_create_tokens(request.user):
        raise PermissionDenied
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(name=form.cleaned_data["name"], owner=request.user, **form.scope_kwargs())
        # The secret is rendered in this response only: it is not stored, so it cannot be shown again.
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_form.html", {"form": form})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(_tokens(request.user), pk=pk)
    if not can_revoke_token(request.user, token):
        raise PermissionDenied
    token.revoke()
    messages.success(request, f"Le jeton « {token.name} » est révoqué : il ne permet plus d'accéder à l'API.")
    return redirect("api_tokens:list")
