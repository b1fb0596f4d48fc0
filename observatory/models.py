"""The observatory's monthly snapshots: its figures for each territory, kept so progress can be drawn."""

from django.db import models

from backend.core.db import QuickLoad


class Snapshot(QuickLoad, models.Model):
    """A territory's figures as they stood when taken, for one month (taken again, it is replaced)."""

    month = models.DateField("mois", help_text="Le premier jour du mois.")
    level = models.CharField("niveau", max_length=10)  # NATION, REGION, DEPARTMENT (selectors.Level)
    code = models.CharField("code INSEE", max_length=3, blank=True)  # empty for the nation
    figures = models.JSONField("chiffres")
    taken_at = models.DateTimeField("pris le", auto_now=True)

    class Meta:
        verbose_name = "instantané de l'observatoire"
        verbose_name_plural = "instantanés de l'observatoire"
        ordering = ["level", "code", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "level", "code"], name="one_snapshot_per_month_and_territory"
            )
        ]

    def __str__(self):
        return f"{self.level} {self.code or 'France'} — {self.month:%m/%Y}"
