import random

from django.core.management import call_command
from faker import Faker

from cnum.core import audit
from cnum.core.audit import audit_maintenance
from cnum.core.commands import CnumCommand
from cnum.demo import registry
from cnum.demo.accounts import demo_accounts_create, demo_accounts_exist
from cnum.demo.activities import demo_activities_create
from cnum.demo.funding import demo_funding_create
from cnum.structures.models import Structure


class Command(CnumCommand):
    help = "Charge les données de démonstration : territoires, lieux réels, structures, postes, conseillers, comptes."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--reset", action="store_true", help="Vide toute la base avant de recharger.")
        parser.add_argument("--if-empty", action="store_true", help="Ne fait rien si la démonstration existe déjà.")
        parser.add_argument("--seed", type=int, default=2021, help="Graine du tirage (démonstration reproductible).")

    def handle(self, *args, reset=False, if_empty=False, seed=2021, **options):
        if reset:
            self.stdout.write("Remise à zéro de la base…")
            with audit_maintenance():
                call_command("flush", interactive=False, verbosity=0)
        elif if_empty and demo_accounts_exist():
            self.stdout.write("Données de démonstration déjà présentes : rien à faire.")
            return
        verbosity = options["verbosity"]
        call_command("load_territories", if_empty=True, verbosity=verbosity, stdout=self.stdout)
        call_command("load_hubs", verbosity=0)
        scopes = self.build_registry(seed)
        demo_funding_create(seed=seed + 2)  # loads the funding reference first if it is missing
        users = demo_accounts_create(scopes=scopes)
        self.stdout.write(self.style.SUCCESS(f"Démonstration prête : {len(users)} comptes."))

    def build_registry(self, seed: int) -> dict:
        if Structure.objects.filter(source="demo-cnfs-2022").exists():
            return registry.demo_scopes(structures={s.source_id: s for s in Structure.objects.all()})
        rng, fake = random.Random(seed), Faker("fr_FR")
        fake.seed_instance(seed)
        groups = registry.group_by_employer(registry.read_cnfs_records())
        self.stdout.write("Structures, décisions COSELEC et postes…")
        structures = registry.build_structures(groups=groups, rng=rng)
        posts = registry.build_posts(groups=groups, structures=structures, rng=rng)
        self.stdout.write("Lieux réels (permanences CnFS 2022, France Services)…")
        counts = registry.import_real_sites()
        sites = registry.link_sites(groups=groups, structures=structures)
        self.stdout.write("Conseillers, contrats, lieux d'exercice, formations, équipes…")
        advisors = registry.build_advisors(
            groups=groups, structures=structures, posts_by_structure=posts, sites=sites, rng=rng, fake=fake
        )
        teams = registry.build_teams(structures=structures, rng=rng)
        scopes = registry.demo_scopes(structures=structures)
        self.stdout.write("Activités (comptes rendus) d'une partie des conseillers…")
        # A generator of its own, so that the registry drawn above does not depend on the activities.
        activities = demo_activities_create(structure=scopes["structure"], rng=random.Random(seed + 1))
        self.stdout.write("Tables d'agrégats des statistiques…")
        call_command("stats_rebuild", verbosity=0, stdout=self.stdout)
        summary = {
            "structures": len(structures),
            "postes": sum(len(p) for p in posts.values()),
            "lieux": counts,
            "conseillers": len(advisors),
            "équipes": len(teams),
            "activités": activities,
        }
        audit.record_bulk(Structure, summary=summary, description="Population de démonstration")
        self.stdout.write(f"  {summary}")
        return scopes
