"""Train the learned part of the lead score from our converted vs disqualified leads and
rescore the open leads (the same as the nightly beat task)."""

from django.core.management.base import BaseCommand

from sales.leads import scoring


class Command(BaseCommand):
    help = "Train the lead scoring model on converted vs disqualified leads; rescore open leads."

    def add_arguments(self, parser):
        parser.add_argument("--no-rescore", action="store_true", help="Only train.")
        parser.add_argument(
            "--min-per-class",
            type=int,
            default=scoring.MIN_PER_CLASS,
            help="Converted and disqualified leads each needed (default %(default)s).",
        )

    def handle(self, *args, no_rescore=False, min_per_class=scoring.MIN_PER_CLASS, **options):
        model = scoring.train(min_per_class=min_per_class)
        if model is None:
            self.stdout.write(
                self.style.WARNING(
                    f"Not enough history: at least {min_per_class} converted and "
                    f"{min_per_class} disqualified leads are needed. The score keeps its "
                    "fit and engagement parts."
                )
            )
        else:
            self.stdout.write(
                f"Trained on {model.converted} converted and {model.disqualified} disqualified "
                f"leads: {len(model.weights)} facts."
            )
        if not no_rescore:
            self.stdout.write(f"Rescored {scoring.rescore_open_leads()} open leads.")
