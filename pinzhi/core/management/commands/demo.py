"""`pinzhi demo`: migrate, load the demo data and run web, worker and clock together."""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from pinzhi.core.demo import demo_notes


class Command(BaseCommand):
    help = "Run Pinzhi for a first look: web app, task worker and clock on SQLite with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: int, host: str, **options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo", stdout=self.stdout)
        pinzhi = [sys.executable, "-m", "pinzhi.cli"]
        processes = {
            "web": subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "pinzhi.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                ]
            ),
            "worker": subprocess.Popen([*pinzhi, "db_worker"]),
            "clock": subprocess.Popen([*pinzhi, "clock"]),
        }
        self.stdout.write(self.style.SUCCESS(f"\nPinzhi is running at http://{host}:{port}/"))
        self.stdout.write(
            f"(ready in {time.monotonic() - started:.1f} s; database "
            f"{settings.DATABASES['default']['NAME']})"
        )
        for line in demo_notes():
            self.stdout.write(line)
        self.stdout.write("Press Ctrl-C to stop.\n")
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        try:
            while not stop["now"]:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {process.returncode}")
                        stop["now"] = True
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
