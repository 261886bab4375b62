from django.core.management.base import BaseCommand, CommandError

from kontor.analytics import scoring


class Command(BaseCommand):
    help = (
        "Lead scoring: 'train' trains on the won and lost deals and scores the open ones now; "
        "'evaluate' trains on part of them and reports AUC and calibration on the rest."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["train", "evaluate"])
        parser.add_argument("--bins", type=int, default=5, help="Calibration bins (evaluate).")

    def handle(self, *args, action: str, bins: int, **options):
        if not scoring.enabled():
            raise CommandError("Lead scoring is off (KONTOR_LEAD_SCORING).")
        if action == "train":
            result = scoring.train_and_score()
            if not result["trained"]:
                raise CommandError(
                    f"Too few won and lost deals to train on (at least {scoring.MINIMUM_DEALS}, "
                    "both won and lost ones)."
                )
            self.stdout.write(
                f"Model {result['version']} trained on {result['deals']} deals; "
                f"{result['scored']} open deals scored."
            )
            return
        if not 2 <= bins <= 20:
            raise CommandError("--bins must be between 2 and 20.")
        evaluation = scoring.evaluate(bins=bins)
        if evaluation is None:
            raise CommandError(
                f"Too few won and lost deals to evaluate (at least {scoring.MINIMUM_DEALS}, "
                "both won and lost ones)."
            )
        self.stdout.write(
            f"Trained on {evaluation.train_deals} deals, tested on {evaluation.test_deals}."
        )
        self.stdout.write(f"AUC: {evaluation.auc:.3f}")
        self.stdout.write("Calibration (mean score, share won, deals):")
        for predicted, actual, count in evaluation.bins:
            self.stdout.write(f"  {predicted:.2f}  {actual:.2f}  {count}")
        self.stdout.write("Features: " + ", ".join(evaluation.features))
