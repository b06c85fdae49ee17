from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control

from cnum.core import home as home_panels
from cnum.core.audit_trail import present
from cnum.core.enums import AuditAction
from cnum.core.forms import AuditFilterForm
from cnum.core.models import AuditEvent

AUDIT_PAGE_SIZE = 50


def home(request):
    return render(request, "core/home.html", {"title": "Accueil"})


@login_required
def dashboard(request):
    """The home page of the role the user acts in: its figures and its tasks, given by each app (cnum.core.home)."""
    return render(
        request, "core/dashboard.html", {"title": "Tableau de bord", "panels": home_panels.panels_for(request.user)}
    )


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask /favicon.ico whatever the page says: send them to the DSFR's icon (a redirection, not a
    permanent one: the static file's name changes with each version of django-dsfr)."""
    return redirect(static("dsfr/dist/favicon/favicon.ico"))


def legal_page(request, page: str):
    titles = {
        "accessibilite": "Déclaration d'accessibilité",
        "mentions-legales": "Mentions légales",
        "donnees-personnelles": "Données personnelles",
        "plan-du-site": "Plan du site",
        "demonstration": "Données de démonstration",
    }
    return render(request, f"core/legal/{page}.html", {"title": titles[page]})


@login_required
def audit_log(request):
    """The audit trail, newest first, filtered by person, object (its name, its kind, or one object), action and
    period; shown with names, labels and local times (core.audit_trail)."""
    if not request.user.has_perm("core.view_auditevent"):
        raise PermissionDenied
    events = AuditEvent.objects.visible_to(request.user).select_related("content_type")
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        events = form.filter(events)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "title": "Journal d'audit",
            "form": form,
            "page": page,
            "rows": present(list(page.object_list)),
            "query": query.urlencode(),
            "actions": AuditAction,
            "content_types": ContentType.objects.filter(pk__in=AuditEvent.objects.values("content_type")),
        },
    )


def error_403(request, exception=None):
    return render(request, "403.html", {"title": "Accès refusé"}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", {"title": "Page introuvable"}, status=404)


def error_500(request):
    return render(request, "500.html", {"title": "Erreur du service"}, status=500)
