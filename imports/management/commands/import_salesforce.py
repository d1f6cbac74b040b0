from django.core.management.base import BaseCommand, CommandError

from imports.salesforce import ExportError, SalesforceImport
from users.models import User


class Command(BaseCommand):
    help = (
        "Import a Salesforce export folder (Account, Contact, AccountContactRelation, Campaign, "
        "Lead, Opportunity, CampaignMember, Task CSV). Salesforce ids are kept as external ids; "
        "running it again updates instead of duplicating. Opportunity stages map to the default "
        "pipeline by name; unknown stage names are created in a pipeline called Salesforce."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--as", dest="by", help="CRM user name recorded in the history")
        parser.add_argument(
            "--user-map",
            action="append",
            default=[],
            metavar="SFID=USERNAME",
            help="Map a Salesforce user id (OwnerId) to a CRM user; repeatable. "
            "Owners not mapped are left empty.",
        )
        parser.add_argument(
            "--custom-to-description",
            action="store_true",
            help="Append custom __c fields to the description instead of ignoring them.",
        )

    def handle(self, folder, by=None, user_map=(), custom_to_description=False, **options):
        from pathlib import Path

        if not (Path(folder) / "Account.csv").exists():
            raise CommandError(f"{folder}: no Account.csv there")
        actor = None
        if by:
            actor = User.objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"No user {by}")
        mapping = {}
        for item in user_map:
            sf_id, _, username = item.partition("=")
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"--user-map {item}: no user {username}")
            mapping[sf_id] = user
        job = SalesforceImport(
            folder, by=actor, user_map=mapping, custom_to_description=custom_to_description
        )
        try:
            stats = job.run()
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        for name, s in stats.items():
            self.stdout.write(
                f"{name}: {s.created} created, {s.updated} updated, {s.unchanged} unchanged, "
                f"{s.failed} failed"
            )
            for note, count in sorted(s.notes.items()):
                self.stdout.write(f"    {note}: {count}")
            for error in s.errors[:20]:
                self.stdout.write(self.style.WARNING(f"    {error}"))
        if job.absent:
            self.stdout.write(
                "Files not in the folder (nothing imported from them): " + ", ".join(job.absent)
            )
        if job.skipped:
            skipped = ", ".join(
                f"{name} ({count} row{'s' if count != 1 else ''})"
                for name, count in job.skipped.items()
            )
            self.stdout.write(f"Skipped (objects this command does not import): {skipped}")
        if job.ignored_custom:
            fields = ", ".join(f"{k} ({v})" for k, v in sorted(job.ignored_custom.items()))
            self.stdout.write(f"Custom fields ignored (values): {fields}")
