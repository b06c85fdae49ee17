import factory
from django.contrib.contenttypes.models import ContentType

from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment, User

PASSWORD = "un-mot-de-passe-solide"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()

    class Params:
        advisor = factory.Trait(
            advisor_role=factory.RelatedFactory("tests.accounts.factories.RoleAssignmentFactory", "user")
        )
        programme_team = factory.Trait(
            national_role=factory.RelatedFactory(
                "tests.accounts.factories.RoleAssignmentFactory", "user", role=Role.PROGRAMME_TEAM
            )
        )


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    """`RoleAssignmentFactory(role=…, scope=obj)` sets the generic scope from any model instance."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.ADVISOR

    @classmethod
    def _create(cls, model_class, *args, scope=None, **kwargs):
        if scope is not None:
            kwargs["scope_type"] = ContentType.objects.get_for_model(type(scope))
            kwargs["scope_id"] = str(scope.pk)
        return super()._create(model_class, *args, **kwargs)
