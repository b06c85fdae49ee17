"""The mark of a database built by `manage.py demo` (security review, issue #15, finding 9).

The demo publishes its accounts' password: it must never run on a database holding anything else. `demo` writes
this mark when it builds, and refuses to build on, or reset, a database that holds data without it.
"""

from django.db import models


class DemoDatabase(models.Model):
    built_at = models.DateTimeField("construite le", auto_now=True)
    scale = models.CharField("échelle", max_length=20, default="small")

    class Meta:
        verbose_name = "base de démonstration"
        verbose_name_plural = "bases de démonstration"

    def __str__(self):
        return f"Démonstration ({self.scale}), {self.built_at:%d/%m/%Y}"
