"""Compute the forecast's rollup afresh from the deals (``sales/models/forecast.py``): after
restoring or loading deals with triggers off, or to repair it. Writers wait meanwhile."""

from django.core.management.base import BaseCommand

from sales.models import ForecastRollup


class Command(BaseCommand):
    help = "Rebuild sales_forecastrollup from the opportunities (writers wait meanwhile)."

    def handle(self, *args, **options):
        rows = ForecastRollup.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Forecast rollup rebuilt: {rows:,} rows."))
