import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.retail import FileError, RetailImport
from users.models import User

DEFAULT = Path("online_retail") / "online_retail_first65535rows.csv"
ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import purchase history from the UCI Online Retail CSV: an account per customer, "
        "invoices with lines, cancellations as credit notes, all in the ledger. Rows are "
        "validated first (a bad row rejects its invoice); running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help=f"CSV file (default: SHARED_DATA_DIR/{DEFAULT})"
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and report only")
        parser.add_argument(
            "--as", dest="by", help="CRM user recorded as the author (default: an administrator)"
        )

    def handle(self, path=None, dry_run=False, by=None, **options):
        path = Path(path) if path else Path(settings.SHARED_DATA_DIR) / DEFAULT
        if by:
            actor = User.objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"No user {by}")
        else:
            # the accounts' history and timeline name who created them
            actor = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
            if actor is None and not dry_run:
                raise CommandError("No administrator to record as the author: pass --as USER")
        started = time.monotonic()
        try:
            report = RetailImport(path, by=actor).run(dry_run=dry_run)
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        out(
            f"{path}: {report.rows} rows read in {time.monotonic() - started:.1f} s"
            + (" (dry run: nothing written)" if dry_run else "")
        )
        if not dry_run:
            out(
                f"Accounts: {report.accounts_created} created, {report.accounts_updated} updated, "
                f"{report.accounts_unchanged} unchanged"
            )
            out(
                f"Invoices: {report.invoices} ({report.invoice_lines} lines), "
                f"payments: {report.payments}"
            )
            out(
                f"Credit notes: {report.credit_notes} ({report.credit_note_lines} lines), "
                f"{report.credit_notes_matched} referencing their original invoice, "
                f"{report.cancellation_lines_matched} cancelled lines matched"
            )
            out(f"Ledger entries: {report.ledger_entries}")
        if report.groups_already_imported:
            out(f"Already imported (left alone): {report.groups_already_imported} invoices")
        for reason, count in sorted(report.skipped.items()):
            out(f"Skipped rows, {reason}: {count}")
        if report.errors:
            out(
                self.style.WARNING(
                    f"{len(report.errors)} row error(s) in {report.groups_rejected} invoice(s), "
                    "which were not imported:"
                )
            )
            for line, invoice_no, message in report.errors[:ERRORS_SHOWN]:
                out(f"    line {line} (invoice {invoice_no or '?'}): {message}")
            if len(report.errors) > ERRORS_SHOWN:
                out(f"    … and {len(report.errors) - ERRORS_SHOWN} more")
