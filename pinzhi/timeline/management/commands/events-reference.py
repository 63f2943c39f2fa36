"""`pinzhi events-reference`: write docs/events.md, the reference of every timeline event
code, its app, when it is recorded and its payload, from the apps' `events.py` (issue 7,
item 5). `--check` only reports whether the file is up to date (exit code 1 if not)."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from pinzhi.timeline.events import reference_markdown


def reference_path() -> Path:
    return Path(settings.BASE_DIR).parent / "docs" / "events.md"


class Command(BaseCommand):
    help = "Write docs/events.md from the event declarations (--check: only compare)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the file is stale.")

    def handle(self, *args, check: bool = False, **options) -> None:
        path = reference_path()
        text = reference_markdown()
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if check:
            if current != text:
                self.stderr.write(f"{path} is out of date: run `pinzhi events-reference`.")
                sys.exit(1)
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
