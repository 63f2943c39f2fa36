from django.core.management import call_command
from django.core.management.base import BaseCommand

from pinzhi.complaints.demo import load_demo_complaints
from pinzhi.core.demo import load_demo_organisation


class Command(BaseCommand):
    help = "Load the demo organisation, the property policy pack and demo data (idempotent)."

    def handle(self, *args, **options):
        call_command("policy", "load", "property", stdout=self.stdout)
        load_demo_organisation(stdout=self.stdout)
        load_demo_complaints(stdout=self.stdout)
