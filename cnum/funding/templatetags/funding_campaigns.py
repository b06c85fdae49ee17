"""The renewal campaigns awaiting a structure's answer, shown on its manager's dashboard (cnum.core templates load
this library: templates may, Python modules of cnum.core may not import a domain app)."""

from django import template

from cnum.funding.campaigns import pending_for

register = template.Library()


@register.inclusion_tag("funding/_campaign_notice.html", takes_context=True)
def campaign_notices(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"pending": pending_for(user) if user is not None else []}
