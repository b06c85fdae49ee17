"""The page where an advisor or a structure manager publishes, copies or revokes the public link to its own figures
(cnum.stats.sharing); the public page itself is cnum.stats.views_public.shared."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from cnum.stats import sharing


@login_required
def share(request):
    """GET shows the link (or that there is none); POST `action=publier` publishes it, `action=revoquer` revokes it."""
    scope = sharing.shareable_scope(request.user)
    if scope is None:
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "publier":
            sharing.share_publish(scope=scope, by=request.user)
            messages.success(request, "Le lien public vers vos statistiques est publié.")
        elif action == "revoquer" and sharing.share_revoke(scope=scope):
            messages.success(request, "Le lien est révoqué : il ne donne plus accès à vos statistiques.")
        else:
            messages.error(request, "Choisissez de publier ou de révoquer le lien.")
        return redirect("stats:share")
    current = sharing.active_share(scope)
    link = request.build_absolute_uri(reverse("stats:shared", kwargs={"token": current.token})) if current else ""
    context = {"title": "Partager mes statistiques", "scope": scope, "share": current, "link": link}
    return render(request, "stats/share.html", context)
