"""`pinzhi figures-rebuild`: recount the complaints' monthly figures of a period from the
complaints themselves, and the running limits of the open complaints from the deadlines
(issue 9 item 3), after a change made behind the triggers' back."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from pinzhi.complaints import figures


def _month(text: str | None) -> date | None:
    if not text:
        return None
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise CommandError(f"{text!r}: a month is written YYYY-MM, e.g. 2026-11") from None


class Command(BaseCommand):
    help = (
        "Recount the monthly figures of the complaints (all months, or --since/--until) "
        "and the running limits of the open complaints."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first month, YYYY-MM (default: the first)")
        parser.add_argument("--until", help="last month, YYYY-MM (default: the last)")

    def handle(self, *args, since, until, **options):
        first, last = _month(since), _month(until)
        if first and last and first > last:
            raise CommandError("--since must not be after --until")
        rows = figures.figures_rebuild(since=first, until=last)
        limits = figures.limits_rebuild()
        self.stdout.write(f"{rows} figure rows written, {limits} running limits")
