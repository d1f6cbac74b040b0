"""Sales data at scale for the benchmarks (issue 4), loaded with PostgreSQL COPY.

    manage.py load_demo
    manage.py generate_scale_data            # the accounts the deals belong to
    manage.py generate_sales_scale_data --opportunities 500000 --board-open 10000 --leads 10000

Ten bench teams with their manager and reps, a "Bench pipeline" with ``--board-open`` open
deals, the rest of the opportunities in the default pipeline, their stage history, quotas,
unassigned leads with assignment rules, and a quote with ``--quote-lines`` lines. The work is
in ``sales.scale_data``. Idempotent: every part is skipped when its rows exist.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from sales.scale_data import SalesScaleData


class Command(BaseCommand):
    help = "Generate opportunities, leads, quotas and a big quote for the sales benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--opportunities", type=int, default=500_000)
        parser.add_argument(
            "--board-open", type=int, default=10_000, help="Open deals of the Bench pipeline."
        )
        parser.add_argument(
            "--leads", type=int, default=10_000, help="Unassigned leads (assignment benchmark)."
        )
        parser.add_argument("--quote-lines", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        sizes = {k: opts[k] for k in ("opportunities", "board_open", "leads", "quote_lines")}
        if min(sizes.values()) < 0 or sizes["opportunities"] < sizes["board_open"]:
            raise CommandError(
                "Sizes cannot be negative, and --opportunities must be at least --board-open."
            )
        started = time.perf_counter()
        copied = SalesScaleData(self.stdout, seed=opts["seed"]).generate(**sizes)
        if not copied:
            self.stdout.write(
                "Sales scale data is already generated (external ids 'bench:…'); nothing to do."
            )
            return
        counts = ", ".join(
            f"{last - first + 1:,} {model._meta.verbose_name_plural}"
            for model, (first, last) in copied.items()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Sales scale data: {counts} in {time.perf_counter() - started:.1f} s."
            )
        )
