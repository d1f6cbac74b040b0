"""The forecast's rollup: open and won deal sums per team, owner, currency and close month.

PostgreSQL keeps it, not Python: a row trigger on ``sales_opportunity`` (migration
``0009_forecast_rollup_trigger``) subtracts a deal's old contribution and adds its new one in
the same transaction as the change, whatever wrote it (the services, the API, bulk imports,
COPY in the data generators). The forecast then reads a few thousand rollup rows instead of
aggregating every deal of a period (a manager of 10 teams: ~70,000 deals a half-year).

Visibility follows the deals': ``SalesRecordPolicy`` on the same owner and team, so
``ForecastRollup.objects.visible_to(user)`` sums exactly what
``Opportunity.objects.visible_to(user)`` would.

A load that turns triggers off (``session_replication_role = replica``: the data generators)
calls ``ForecastRollup.rebuild()`` at its end; ``manage.py rebuild_forecast_rollup`` does the
same by hand.
"""

from django.conf import settings
from django.db import connection, models

from core.access import RecordQuerySet, SalesRecordPolicy

MONEY = {"max_digits": 20, "decimal_places": 2, "default": 0}


class ForecastRollup(models.Model):
    # No FK constraints: rows outlive a deleted team or user (their sums moved away with the
    # deals, they are zero); the trigger never has to order its writes around a delete.
    team = models.ForeignKey(
        "users.Team", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    currency = models.CharField(max_length=3)
    month = models.DateField(help_text="First day of the close month")
    pipeline = models.DecimalField(**MONEY, help_text="Open deals' amounts")
    weighted = models.DecimalField(
        **MONEY, help_text="Open deals' amount × probability (percent): divide by 100"
    )
    best_case = models.DecimalField(**MONEY, help_text="Open deals in best case or commit")
    commit = models.DecimalField(**MONEY, help_text="Open deals in commit")
    won = models.DecimalField(**MONEY, help_text="Won deals' amounts")
    open_deals = models.IntegerField(default=0)
    won_deals = models.IntegerField(default=0)

    objects = RecordQuerySet.as_manager()
    access = SalesRecordPolicy()
    derived_from = "sales.Opportunity"  # rebuilt from the deals; never a record of its own

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "owner", "currency", "month"],
                nulls_distinct=False,
                name="forecast_rollup_key",
            )
        ]
        indexes = [models.Index(fields=["month", "team", "owner"], name="forecast_rollup_month")]

    def __str__(self):
        return f"{self.team_id}/{self.owner_id} {self.currency} {self.month:%Y-%m}"

    @staticmethod
    def rebuild() -> int:
        """Computes the rollup afresh from the deals (migration ``0010``): after a load with
        triggers off, or as a repair. Returns the number of rollup rows."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT sales_forecast_rollup_rebuild()")
            return cursor.fetchone()[0]
