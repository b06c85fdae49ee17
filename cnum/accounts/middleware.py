from cnum.accounts.models import RoleAssignment

SESSION_KEY = "cnum_active_role"


class ActiveRoleMiddleware:
    """Apply the role chosen in the header switcher to request.user for this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen_id = request.session.get(SESSION_KEY)
            chosen = next((a for a in user.role_assignments if a.pk == chosen_id), None) if chosen_id else None
            user.activate_role(chosen)
        return self.get_response(request)


def remember_active_role(request, assignment: RoleAssignment) -> None:
    request.session[SESSION_KEY] = assignment.pk
    request.user.activate_role(assignment)
