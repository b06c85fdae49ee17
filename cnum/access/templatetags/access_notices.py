"""Access requests awaiting the caller's decision, and the way to ask for one when the caller has no role, shown on
the dashboard (cnum.core templates load this library: templates may, Python modules of cnum.core may not import a
domain app)."""

from django import template

from cnum.access.enums import AccessRequestStatus
from cnum.access.visibility import decidable_requests

register = template.Library()


@register.inclusion_tag("access/_notices.html", takes_context=True)
def access_notices(context):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"pending": 0, "own": []}
    pending = decidable_requests(user).filter(status=AccessRequestStatus.PENDING).count()
    return {"pending": pending, "no_role": user.active_role is None, "own": list(user.access_requests.all()[:5])}
