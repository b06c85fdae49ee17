from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cnum.territories.lookup import search_communes


@login_required
@require_GET
def commune_suggestions(request):
    """The communes matching what was typed so far, as <option>s of a datalist (territories.forms.CommuneInput)."""
    text = request.GET.get("q") or next((value for key, value in request.GET.items() if key != "q"), "")
    return render(request, "territories/commune_suggestions.html", {"suggestions": search_communes(text[:80])})
