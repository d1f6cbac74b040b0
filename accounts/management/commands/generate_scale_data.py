"""A large, realistic customer database for benchmarks, loaded with PostgreSQL COPY.

    manage.py load_demo
    manage.py generate_scale_data --accounts 200000 --contacts 1000000 --activities 2000000

Accounts are spread over the existing sales reps and their teams (run after ``load_demo``);
contacts, activities (each with its 360° timeline entry) and one account with
``--hot-activities`` activities follow. The generators are in ``accounts.scale_data``, the
word lists they draw from in ``accounts.scale_vocabulary``.

Rows carry ``external_id`` ``gen:<batch>:…``; a second run refuses unless ``--force`` (which
adds another batch). One process, one connection, one transaction.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from accounts.scale_data import MARKER, ScaleDataGenerator


class Command(BaseCommand):
    help = "Generate a large customer database fast (PostgreSQL COPY). Run after load_demo."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=200_000)
        parser.add_argument("--contacts", type=int, default=1_000_000)
        parser.add_argument("--activities", type=int, default=2_000_000)
        parser.add_argument(
            "--hot-activities",
            type=int,
            default=20_000,
            help="Activities of one account (the account with the most activities).",
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Add another batch anyway.")
        parser.add_argument(
            "--row-fk-checks",
            action="store_true",
            help="Let PostgreSQL check every foreign key row by row at COMMIT (slow), instead of "
            "one anti-join per key (needs a superuser, as the bench database has).",
        )

    def handle(self, *args, **opts):
        existing = Account.objects.filter(external_id__startswith=MARKER)
        if existing.exists() and not opts["force"]:
            self.stdout.write(
                "Scale data is already generated (accounts with external_id 'gen:…'); "
                "nothing to do. Use --force to add another batch."
            )
            return
        n_acc, n_con, n_act = opts["accounts"], opts["contacts"], opts["activities"]
        if n_acc < 1 or n_con < 1 or n_act < 0:
            raise CommandError("--accounts and --contacts must be at least 1.")
        generator = ScaleDataGenerator(self.stdout, seed=opts["seed"])
        started = time.perf_counter()
        generator.generate(
            n_acc,
            n_con,
            n_act,
            hot=min(opts["hot_activities"], n_act),
            row_fk_checks=opts["row_fk_checks"],
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch {MARKER}{generator.batch}: {n_acc:,} accounts, {n_con:,} contacts, "
                f"{n_act:,} activities (+ timeline) in {time.perf_counter() - started:.1f} s."
            )
        )
