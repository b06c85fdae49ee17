from cnum.core import audit


class AuditActorMiddleware:
    """Attribute the changes made while serving a request to the signed-in person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with audit.acting_as(audit.actor_for_user(user)):
            return self.get_response(request)
