from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from cnum.accounts.enums import Role
from cnum.accounts.perms import ROLE_BOUND_PERMISSIONS, role_permissions
from cnum.core import prepared

#: The kind of object that bounds each role's scope. A model that a later app has not installed yet is skipped,
#: so the roles work as the registry grows (docs/adr/0003-roles-and-scopes.md).
SCOPE_MODELS: dict[str, str | None] = {
    Role.ADVISOR: None,
    Role.COORDINATOR: "advisors.Team",
    Role.STRUCTURE_MANAGER: "structures.Structure",
    Role.PREFECTURE_DEPARTEMENT: "territories.Departement",
    Role.PREFECTURE_REGION: "territories.Region",
    Role.HUB: "structures.Hub",
    Role.NATIONAL_NETWORK: "structures.Network",
    Role.PROGRAMME_TEAM: None,
}

#: Order in which a user's roles are listed and the default one is chosen: the widest scope first.
ROLE_ORDER = [
    Role.PROGRAMME_TEAM,
    Role.PREFECTURE_REGION,
    Role.PREFECTURE_DEPARTEMENT,
    Role.HUB,
    Role.NATIONAL_NETWORK,
    Role.STRUCTURE_MANAGER,
    Role.COORDINATOR,
    Role.ADVISOR,
]


def scope_model_for(role: str):
    """The installed model that bounds `role`, or None (national role, own data only, or app not installed)."""
    label = SCOPE_MODELS.get(role)
    if label is None:
        return None
    try:
        return apps.get_model(label)
    except LookupError:
        return None


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username.strip())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address. What they may see comes from their role assignments."""

    email = models.EmailField("adresse électronique", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration technique", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)
    # What ProConnect said at the last sign-in. The SIRET only shows which structure the agent works for: it never
    # grants a role by itself (an administrator decides).
    proconnect_sub = models.CharField("identifiant ProConnect", max_length=255, blank=True)
    proconnect_siret = models.CharField("SIRET déclaré par ProConnect", max_length=14, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # Addresses are compared without case everywhere (login, uniqueness): store them in one form.
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @cached_property
    def role_assignments(self) -> list["RoleAssignment"]:
        """The user's roles, widest scope first (read at every request: one statement compiled once; the session's
        user comes with them, read in the same statement: cnum.accounts.backends.read_user)."""
        return assignments_of(_ROLES.rows(user_id=self.pk))

    def has_perm(self, perm, obj=None):
        """A role's permissions (accounts.perms.ROLE_PERMISSIONS) come from the active role only, never from
        superuser status: a superuser holds the admin's model permissions, not the programme team's pages."""
        if perm in ROLE_BOUND_PERMISSIONS:
            return self.is_active and perm in role_permissions(self.active_role)
        return super().has_perm(perm, obj)

    @property
    def active_role(self) -> "RoleAssignment | None":
        """The role the user acts in now: chosen in the header (ActiveRoleMiddleware) or the widest one."""
        chosen = getattr(self, "_active_role", None)
        if chosen is not None:
            return chosen
        assignments = self.role_assignments
        return assignments[0] if assignments else None

    def activate_role(self, assignment: "RoleAssignment | None") -> None:
        self._active_role = assignment

    @cached_property
    def proconnect_structure(self):
        """The structure whose SIRET ProConnect gave at the last sign-in, if cnum knows it.

        The registry sits above accounts (docs/architecture.md), so the model is looked up by name, not imported.
        """
        if not self.proconnect_siret:
            return None
        try:
            structure_model = apps.get_model("structures", "Structure")
        except LookupError:
            return None
        return structure_model.objects.filter(identifier=self.proconnect_siret).first()


class RoleAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.has_perm("accounts.view_roleassignment"):
            return self
        return self.filter(user=user)


class RoleAssignment(models.Model):
    """A user holds a role within a scope (a département, a région, a structure…), or nationally."""

    user = models.ForeignKey(User, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("rôle", max_length=40, choices=Role.choices)
    scope_type = models.ForeignKey(
        ContentType, verbose_name="type de périmètre", null=True, blank=True, on_delete=models.PROTECT
    )
    scope_id = models.CharField("périmètre", max_length=64, blank=True)
    scope = GenericForeignKey("scope_type", "scope_id")
    created_at = models.DateTimeField("attribué le", auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle attribué"
        verbose_name_plural = "rôles attribués"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope_type", "scope_id"], name="unique_role_per_scope"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} — {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.role == Role.PROGRAMME_TEAM:
            return "France entière"
        if self.role == Role.ADVISOR and self.scope_id == "":
            return "mon activité"
        scope = self.scope if self.scope_id else None
        if scope is None:
            # Never assigned, or the object it pointed at (a structure, a team…) no longer exists.
            return "périmètre à définir"
        return str(scope)

    @property
    def is_national(self) -> bool:
        return self.role == Role.PROGRAMME_TEAM

    def clean(self):
        model = scope_model_for(self.role)
        if model is None:
            if self.scope_id:
                raise ValidationError({"scope_id": "Ce rôle ne se limite pas à un périmètre."})
            self.scope_type = None
            return
        if self.scope_type_id and self.scope_type.model_class() is not model:
            raise ValidationError({"scope_id": f"Le périmètre de ce rôle doit être : {model._meta.verbose_name}."})
        if not self.scope_id:
            raise ValidationError({"scope_id": f"Indiquez le périmètre ({model._meta.verbose_name})."})
        self.scope_type = ContentType.objects.get_for_model(model)
        if not model._default_manager.filter(pk=self.scope_id).exists():
            raise ValidationError({"scope_id": f"Périmètre introuvable : {self.scope_id}."})


def assignments_of(rows: list[tuple], start: int = 0) -> list[RoleAssignment]:
    """Role assignments read from rows holding their columns (`ROLE_COLUMNS`) from `start` then their scope's type's,
    widest scope first; a row whose assignment is NULL (a user without a role, read with a LEFT JOIN) gives none."""
    assignments = []
    width = len(ROLE_COLUMNS)
    for row in rows:
        assignment = prepared.instance(RoleAssignment, row, start)
        if assignment is None:
            continue
        # As select_related("scope_type") would: the scope's type from the same row.
        assignment.scope_type = prepared.instance(ContentType, row, start + width)
        assignments.append(assignment)
    return sorted(assignments, key=lambda a: (ROLE_ORDER.index(a.role), a.pk))


ROLE_COLUMNS = prepared.columns(RoleAssignment)
#: A user's role assignments with their scopes' types (User.role_assignments).
_ROLES = prepared.Prepared(
    lambda user_id: (
        RoleAssignment.objects.filter(user_id=user_id)
        .order_by()
        .values_list(*ROLE_COLUMNS, *prepared.columns(ContentType, "scope_type__"))
    ),
    user_id=int,
)
