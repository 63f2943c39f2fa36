from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from pinzhi.core.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo organisation, the property policy pack, the shared public holidays "
        "and demo data (idempotent)."
    )

    def handle(self, *args, **options):
        call_command("policy", "load", "property", stdout=self.stdout)
        # The public holidays shipped with the product: one calendar every company shares.
        holidays = Path(__file__).resolve().parents[3] / "deadlines/data/cn-holidays-2026.csv"
        call_command(
            "calendar",
            "import",
            "cn",
            str(holidays),
            "--create",
            "国家法定节假日",
            stdout=self.stdout,
        )
        demo_load(stdout=self.stdout)
