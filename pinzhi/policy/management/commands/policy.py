"""`pinzhi policy load <pack>|--all` and `pinzhi policy list` (STD-5)."""

from django.core.management.base import BaseCommand, CommandError

from pinzhi.lib import clock
from pinzhi.policy import packs, services
from pinzhi.policy.models import PolicyPack
from pinzhi.policy.selectors import next_version, version_in_force


class Command(BaseCommand):
    help = "Load the shipped policy packs, or list the packs and their rules."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load (or reload) a shipped pack; idempotent.")
        load.add_argument("pack", nargs="?", help=f"one of: {', '.join(packs.available())}")
        load.add_argument("--all", action="store_true", help="load every shipped pack")
        listing = sub.add_parser("list", help="List the packs, or the rules of one pack.")
        listing.add_argument("pack", nargs="?")

    def handle(self, *args, action, **options):
        if action == "load":
            self.load(options["pack"], options["all"])
        else:
            self.list(options["pack"])

    def load(self, code, load_all):
        if bool(code) == bool(load_all):
            raise CommandError("Name one pack to load, or --all.")
        try:
            reports = services.pack_load_all() if load_all else [services.pack_load(code=code)]
        except packs.PackError as error:
            raise CommandError(str(error)) from None
        for report in reports:
            self.stdout.write(self.style.SUCCESS(str(report)))
            if report.kept_revised:
                self.stdout.write(
                    "  kept values revised by an operator: " + ", ".join(report.kept_revised)
                )

    def list(self, code):
        if not code:
            loaded = {pack.code: pack for pack in PolicyPack.objects.all()}
            for name in packs.available():
                pack = loaded.get(name)
                state = (
                    f"{pack.rules.count()} rules, loaded {pack.loaded_at:%Y-%m-%d %H:%M}"
                    if pack
                    else "not loaded"
                )
                self.stdout.write(f"{name:10} {state}")
            return
        pack = PolicyPack.objects.filter(code=code).first()
        if pack is None:
            raise CommandError(
                f"Policy pack {code!r} is not loaded; run `pinzhi policy load {code}`."
            )
        now = clock.now()
        # The pack's default values; each company's own values are on its rule pages.
        for rule in pack.rules.prefetch_related("versions").select_related("pack"):
            versions = list(rule.versions.all())
            current = version_in_force(versions, now)
            pending = next_version(versions, now)
            line = f"{rule.key:45} {current.display_value if current else '—'}"
            if pending:
                line += f"  (→ {pending.display_value} from {pending.effective_from:%Y-%m-%d})"
            self.stdout.write(f"{line}  [{rule.requirement_ids}; {rule.citation_clause}]")
