"""`pinzhi demo`: migrate, load the demo data and run web, worker and clock together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from pinzhi.core.demo import demo_notes
from pinzhi.core.printing import cjk_font_warning

# PINZHI_SITE_URL's default (pinzhi/settings.py): a value other than this was set on purpose.
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
WILDCARD_HOSTS = {"", "0.0.0.0", "::"}


def demo_site_url(host: str, port: int) -> str:
    """The address the demo's links (QR codes, e-mails, webhooks) point at (issue 8 item 6):
    the one it serves, unless PINZHI_SITE_URL was set (in the environment or the settings),
    which wins. A wildcard host is reached on loopback."""
    explicit = os.environ.get("PINZHI_SITE_URL") or (
        settings.PINZHI_SITE_URL if settings.PINZHI_SITE_URL != DEFAULT_SITE_URL else ""
    )
    if explicit:
        return explicit
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class Command(BaseCommand):
    help = "Run Pinzhi for a first look: web app, task worker and clock on SQLite with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port: int, host: str, **options):
        started = time.monotonic()
        site_url = demo_site_url(host, port)
        # This process (demo data) and the web app, worker and clock it starts link there.
        os.environ["PINZHI_SITE_URL"] = site_url
        settings.PINZHI_SITE_URL = site_url
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
        self.stdout.write(f"Links in QR codes, e-mails and webhooks point at {site_url}")
        for line in demo_notes():
            self.stdout.write(line)
        font_warning = cjk_font_warning()
        if font_warning:
            self.stderr.write(self.style.WARNING(font_warning))
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
