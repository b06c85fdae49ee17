import random
import resource
import time

from django.core.management import call_command
from django.utils import timezone
from faker import Faker

from cnum.core import audit
from cnum.core.audit import audit_maintenance
from cnum.core.commands import CnumCommand
from cnum.demo import history, later_waves, national, registry
from cnum.demo.accounts import demo_accounts_create, demo_accounts_exist
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
            "--sample",
            type=float,
            default=1.0,
            help="Petite démonstration : part des structures dont les conseillers ont des activités (1 : toutes ; "
            "moins pour une construction plus légère, au même rythme par conseiller).",
        )
        parser.add_argument(
            "--activities",
            type=int,
            default=national.NATIONAL_ACTIVITIES,
            help="Avec --scale national : nombre d'activités (les personnes suivent en proportion).",
        )

    def step(self, message: str) -> None:
        """A step of the build, with the time since the command started (README's figures come from these)."""
        self.stdout.write(f"[{time.perf_counter() - self.started:5.0f} s] {message}")

    def handle(self, *args, reset=False, if_empty=False, seed=2021, scale="small", **options):
        self.started = time.perf_counter()
        demo_database_check()
        if reset:
            self.step("Remise à zéro de la base…")
            with audit_maintenance():
                call_command("flush", interactive=False, verbosity=0)
        elif if_empty and demo_accounts_exist():
            self.stdout.write("Données de démonstration déjà présentes : rien à faire.")
            return
        verbosity = options["verbosity"]
        self.step("Territoires et hubs…")
        call_command("load_territories", if_empty=True, verbosity=verbosity, stdout=self.stdout)
        call_command("load_hubs", verbosity=0)
        demo_database_mark(scale=scale)
        if scale == "national":
            self.build_national(seed, options["activities"])
            return
        # A bulk load: the statistics' tables are rebuilt once at the end, rather than followed batch by batch.
        with rollups.unfollowed(rebuild=lambda: call_command("stats_rebuild", verbosity=0, stdout=self.stdout)):
            scopes = self.build_registry(seed, sample=options["sample"])
        self.step("Conventions, versements et crédits…")
        demo_funding_create(seed=seed + 2)  # loads the funding reference first if it is missing
        users = demo_accounts_create(scopes=scopes)
        # The figures the demo accounts see must equal a recount of their records, by the Python reference loop (a
        # method independent of the SQL rebuild above): a difference stops the build loudly. The whole recount
        # (`stats_verify` alone: a second rebuild by the database, ≈ as long as the first) is left to whoever
        # wants it, to keep the build within minutes.
        self.step("Vérification des statistiques de la structure de démonstration…")
        scope = f"structure:{scopes['structure'].pk}"
        call_command("stats_verify", scope=scope, method="python", verbosity=0, stdout=self.stdout)
        elapsed = time.perf_counter() - self.started
        self.stdout.write(self.style.SUCCESS(f"Démonstration prête en {elapsed:.0f} s : {len(users)} comptes."))

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

    def build_registry(self, seed: int, sample: float = 1.0) -> dict:
        if Structure.objects.filter(source=registry.SOURCE).exists():
            return registry.demo_scopes(structures={s.source_id: s for s in Structure.objects.all()})
        rng, fake = random.Random(seed), Faker("fr_FR")
        fake.seed_instance(seed)
        groups = registry.employers_merge(groups=registry.group_by_employer(registry.read_cnfs_records()), rng=rng)
        self.step("Structures, décisions COSELEC et postes…")
        structures = registry.build_structures(groups=groups, rng=rng)
        posts = registry.build_posts(groups=groups, structures=structures, rng=rng)
        self.step("Lieux réels (permanences CnFS 2022, France Services)…")
        counts = registry.import_real_sites()
        sites = registry.link_sites(groups=groups, structures=structures)
        self.step("Conseillers, contrats, lieux d'exercice, formations, équipes…")
        advisors = registry.build_advisors(
            groups=groups, structures=structures, posts_by_structure=posts, sites=sites, rng=rng, fake=fake
        )
        self.step("Structures des vagues COSELEC de 2022, absentes de l'export…")
        later = later_waves.later_waves_create(rng=rng, fake=fake, hubs=registry.hub_by_departement())
        teams = registry.build_teams(structures=structures, rng=rng)
        scopes = registry.demo_scopes(structures=structures)
        self.step(f"Activités (comptes rendus) de {history.FIRST_MONTH:%m/%Y} à aujourd'hui…")
        # A generator of its own, so that the registry drawn above does not depend on the activities.
        with self.progress(desc="Conseillers") as bar:
            written = history.history_create(
                rng=random.Random(seed + 1),
                today=timezone.localdate(),
                sample=sample,
                keep=[scopes["structure"].pk],
                progress=bar,
            )
        activities = written.get("activities_activity", 0)
        self.step("Tables d'agrégats des statistiques…")
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
