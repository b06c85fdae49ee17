import random
import resource
import time

from django.core.management import call_command
from faker import Faker

from cnum.core import audit
from cnum.core.audit import audit_maintenance
from cnum.core.commands import CnumCommand
from cnum.demo import later_waves, national, registry
from cnum.demo.accounts import demo_accounts_create, demo_accounts_exist
from cnum.demo.activities import demo_activities_create
from cnum.demo.funding import demo_funding_create
from cnum.demo.guard import demo_database_check, demo_database_mark
from cnum.stats import rollups
from cnum.structures.models import Structure


class Command(CnumCommand):
    help = "Charge les données de démonstration : territoires, lieux réels, structures, postes, conseillers, comptes."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--reset", action="store_true", help="Vide toute la base avant de recharger.")
        parser.add_argument("--if-empty", action="store_true", help="Ne fait rien si la démonstration existe déjà.")
        parser.add_argument("--seed", type=int, default=2021, help="Graine du tirage (démonstration reproductible).")
        parser.add_argument(
            "--scale",
            choices=["small", "national"],
            default="small",
            help="small : la petite démonstration ; national : le programme fin 2025 (4,5 millions d'activités).",
        )
        parser.add_argument(
            "--activities",
            type=int,
            default=national.NATIONAL_ACTIVITIES,
            help="Avec --scale national : nombre d'activités (les personnes suivent en proportion).",
        )

    def handle(self, *args, reset=False, if_empty=False, seed=2021, scale="small", **options):
        demo_database_check()
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
        demo_database_mark(scale=scale)
        if scale == "national":
            self.build_national(seed, options["activities"])
            return
        with self.progress(total=4, desc="Démonstration", unit=" étapes") as bar:
            # A bulk load: the statistics' tables are rebuilt once at the end, rather than followed batch by batch.
            with rollups.unfollowed(rebuild=lambda: call_command("stats_rebuild", verbosity=0, stdout=self.stdout)):
                scopes = self.build_registry(seed)
            bar.update(1)
            demo_funding_create(seed=seed + 2)  # loads the funding reference first if it is missing
            bar.update(1)
            users = demo_accounts_create(scopes=scopes)
            bar.update(1)
            # Every figure the demo shows must equal a recount of its records: a difference stops the build loudly.
            self.stdout.write("Vérification des statistiques…")
            call_command("stats_verify", verbosity=0, stdout=self.stdout)
            bar.update(1)
        self.stdout.write(self.style.SUCCESS(f"Démonstration prête : {len(users)} comptes."))

    def build_national(self, seed: int, activities: int) -> None:
        """The national-scale demo (cnum.demo.national), then its rollups; times and peak memory reported."""
        if Structure.objects.filter(source=national.SOURCE).exists():
            self.stdout.write("Démonstration nationale déjà présente : rien à faire (--reset pour la refaire).")
            return
        start = time.perf_counter()
        with self.progress(total=activities, desc="Activités") as bar:
            written = national.national_create(seed=seed, activities=activities, progress=bar.update)
        generated = time.perf_counter() - start
        self.stdout.write(f"  Lignes écrites en {generated:.1f} s : {written}")
        start = time.perf_counter()
        call_command("stats_rebuild", verbosity=self.verbosity, stdout=self.stdout)
        rebuilt = time.perf_counter() - start
        call_command("stats_verify", verbosity=self.verbosity, stdout=self.stdout)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        summary = {"lignes": written, "génération (s)": round(generated, 1), "agrégats (s)": round(rebuilt, 1)}
        audit.record_bulk(Structure, summary=summary, description="Démonstration nationale")
        self.stdout.write(
            self.style.SUCCESS(
                f"Démonstration nationale prête : {written.get('activities_activity', 0)} activités, génération "
                f"{generated:.1f} s, agrégats {rebuilt:.1f} s, mémoire maximale {peak:.0f} Mio."
            )
        )

    def build_registry(self, seed: int) -> dict:
        if Structure.objects.filter(source=registry.SOURCE).exists():
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
        self.stdout.write("Structures des vagues COSELEC de 2022, absentes de l'export…")
        later = later_waves.later_waves_create(rng=rng, fake=fake, hubs=registry.hub_by_departement())
        teams = registry.build_teams(structures=structures, rng=rng)
        scopes = registry.demo_scopes(structures=structures)
        self.stdout.write("Activités (comptes rendus) d'une partie des conseillers…")
        # A generator of its own, so that the registry drawn above does not depend on the activities.
        activities = demo_activities_create(structure=scopes["structure"], rng=random.Random(seed + 1))
        self.stdout.write("Tables d'agrégats des statistiques…")
        summary = {
            "structures": len(structures) + later["structures"],
            "postes": sum(len(p) for p in posts.values()) + later["postes"],
            "lieux": counts,
            "conseillers": len(advisors) + later["conseillers"],
            "équipes": len(teams),
            "activités": activities,
        }
        audit.record_bulk(Structure, summary=summary, description="Population de démonstration")
        self.stdout.write(f"  {summary}")
        return scopes
