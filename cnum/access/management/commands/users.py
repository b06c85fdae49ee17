import json

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from cnum.access import presenters, rules
from cnum.accounts.enums import Role
from cnum.accounts.models import RoleAssignment
from cnum.core.commands import CnumCommand
from cnum.stats.scopes import Scope, ScopeError, ScopeKind

#: The role whose view of the accounts a scope gives (the same lines as /comptes/ for that role).
READER_OF_SCOPE = {
    ScopeKind.NATIONAL: Role.PROGRAMME_TEAM,
    ScopeKind.REGION: Role.PREFECTURE_REGION,
    ScopeKind.DEPARTEMENT: Role.PREFECTURE_DEPARTEMENT,
    ScopeKind.HUB: Role.HUB,
    ScopeKind.NETWORK: Role.NATIONAL_NETWORK,
    ScopeKind.STRUCTURE: Role.STRUCTURE_MANAGER,
}


class Command(CnumCommand):
    help = "Liste les comptes d'un périmètre (comme la page des comptes) : users --scope departement:69 [--json]"
    changes_data = False

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--scope", required=True, help="Comme stats --scope : " + ", ".join(READER_OF_SCOPE))
        parser.add_argument("--json", action="store_true", help="Une liste JSON au lieu d'un tableau.")

    def handle(self, *args, scope, json=False, **options):
        rows = presenters.account_rows(self._reader(scope))
        if json:
            self.stdout.write(_json([row.as_json() for row in rows]))
            return
        for row in rows:
            self.stdout.write(f"{row.email}\t{row.status.label}\t{' ; '.join(row.roles)}")

    def _reader(self, text: str):
        """An unsaved account holding the reading role of the scope: it sees what that role sees on /comptes/."""
        try:
            role = READER_OF_SCOPE.get(Scope.parse(text).kind)
            if role is None:
                self.fail(f"Périmètre non pris en charge ici : « {text} ». Possibles : {', '.join(READER_OF_SCOPE)}.")
            _, obj = rules.role_scope(role, text)
        except ScopeError as error:
            self.fail(str(error))
        assignment = RoleAssignment(role=role, scope_id=str(obj.pk) if obj is not None else "")
        if obj is not None:
            assignment.scope_type = ContentType.objects.get_for_model(type(obj))
        reader = get_user_model()(email="commande@cnum.invalid")
        reader.activate_role(assignment)
        return reader


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
