import time

from django.core.management.base import BaseCommand

from pinzhi.core.clock import enqueue_due, periodic_jobs
from pinzhi.lib.clock import now


class Command(BaseCommand):
    help = "Run the clock: enqueue periodic jobs when they are due (run exactly one)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between checks.")

    def handle(self, *args, once: bool, interval: int, **options):
        self.stdout.write(f"clock: {len(periodic_jobs)} periodic jobs: {', '.join(periodic_jobs)}")
        while True:
            for name in enqueue_due(now=now()):
                self.stdout.write(f"clock: enqueued {name}")
            if once:
                return
            time.sleep(interval)
