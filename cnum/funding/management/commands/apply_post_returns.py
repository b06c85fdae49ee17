from django.utils import timezone

from cnum.core.commands import CnumCommand
from cnum.funding.services import post_return_apply
from cnum.structures.models import Post


class Command(CnumCommand):
    help = (
        "Rend les postes vacants depuis plus de six mois et annule leurs versements à venir "
        "(--dry-run : liste sans rien enregistrer)."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        posts = list(Post.objects.vacant_for_return(today=today).select_related("structure").order_by("vacant_since"))
        self.stdout.write(f"{len(posts)} poste(s) vacant(s) depuis plus de six mois.")
        cancelled_total, amount_total = 0, 0
        for post in self.progress(posts, total=len(posts), desc="Postes rendus"):
            cancelled = post_return_apply(post=post, today=today)
            amount = sum(instalment.amount for instalment in cancelled)
            cancelled_total += len(cancelled)
            amount_total += amount
            self.stdout.write(
                f"  {post} — vacant depuis le {post.vacant_since:%d/%m/%Y} : rendu, "
                f"{len(cancelled)} versement(s) annulé(s) ({amount} €)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(posts)} poste(s) rendu(s), {cancelled_total} versement(s) annulé(s) pour {amount_total} €."
            )
        )
