"""The dashboard's per-day figures (dashboard.funnel keeps them fresh). The table keeps the name it had in
clinics (db_table): the move changed no data."""

from django.db import models

from clinics.models import Clinic


class FunnelDay(models.Model):
    """One local day of a clinic's dashboard funnel, computed in the background so the page reads, not counts."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="funnel_days")
    # The clinic's local date: of the first submission (version 1), or for "started" of the draft's start.
    day = models.DateField()
    counts = models.JSONField(default=dict)  # step key -> intakes
    # Seconds from submission, one per intake of the day's cohort: the median of many days stays exact.
    to_decision = models.JSONField(default=list)
    to_evaluation = models.JSONField(default=list)
    computed_at = models.DateTimeField()  # when the computation started

    class Meta:
        db_table = "clinics_funnelday"
        constraints = [models.UniqueConstraint(fields=["clinic", "day"], name="funnel_day_unique")]

    def __str__(self) -> str:
        return f"Funnel {self.day:%Y-%m-%d}"
