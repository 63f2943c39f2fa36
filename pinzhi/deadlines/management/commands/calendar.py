"""`pinzhi calendar import <code> <file>`: import a year's holidays and make-up working days
into a shared working-time calendar (X-5); `pinzhi calendar create <code> <name>` makes one;
`pinzhi calendar list` shows every calendar. This is the operator's tool: the calendars it
makes are shared by every company and read-only on the pages; each company keeps its own
calendars on the pages."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pinzhi.deadlines import services
from pinzhi.deadlines.importing import CalendarImportError, calendar_days_import
from pinzhi.deadlines.models import Calendar
from pinzhi.lib.errors import DomainError


class Command(BaseCommand):
    help = "Working-time calendars: create, list, import holidays from a CSV or XLSX file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import holidays and make-up working days.")
        imp.add_argument("code", help="Calendar code, e.g. office")
        imp.add_argument("file", help="CSV or XLSX with columns 日期, 类型, 名称")
        imp.add_argument(
            "--create", metavar="NAME", help="Create the calendar with this name if missing."
        )
        create = sub.add_parser("create", help="Create a calendar (Mon–Fri office hours).")
        create.add_argument("code")
        create.add_argument("name")
        create.add_argument("--time-zone", default="Asia/Shanghai")
        sub.add_parser("list", help="List the calendars.")

    def handle(self, *args, action: str, **options):
        if action == "list":
            for listed in Calendar.objects.select_related("company"):
                owner = listed.company.name if listed.company else "shared"
                self.stdout.write(
                    f"{listed.code}\t{listed.name}\t{listed.time_zone}\t"
                    f"{listed.days.count()} days\t{owner}"
                )
            return
        if action == "create":
            created = self._create(options["code"], options["name"], options["time_zone"])
            self.stdout.write(self.style.SUCCESS(f"created calendar {created.code}"))
            return
        code, path = options["code"], Path(options["file"])
        calendar = Calendar.objects.filter(company__isnull=True, code=code).first()
        if calendar is None:
            if not options["create"]:
                raise CommandError(
                    f"No shared calendar with code {code!r}; create it first or pass --create NAME."
                )
            calendar = self._create(code, options["create"], "Asia/Shanghai")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            summary = calendar_days_import(
                calendar=calendar, name=path.name, content=path.read_bytes()
            )
        except CalendarImportError as error:
            raise CommandError(
                "Nothing imported:\n" + "\n".join(f"  {e}" for e in error.problems)
            ) from error
        years = ", ".join(str(y) for y in summary.years)
        self.stdout.write(
            self.style.SUCCESS(
                f"{calendar.code}: imported {summary.created} days for {years} "
                f"({summary.replaced} earlier days replaced)"
            )
        )

    def _create(self, code: str, name: str, time_zone: str) -> Calendar:
        try:
            return services.calendar_create(company=None, code=code, name=name, time_zone=time_zone)
        except DomainError as error:
            raise CommandError(error.reason) from error
