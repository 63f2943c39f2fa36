"""`pinzhi verify-timeline`: walk the hash chain and report every altered, inserted or
deleted event (X-1). Exit code 0 when the chain is intact, 1 when it is not. Each chain is
walked from where the last recorded run found it intact, its verified part checked by
block digests (issue 9 item 7); `--full` walks every event.

The event hashes are keyed (HMAC-SHA256) with settings.PINZHI_TIMELINE_KEY, or a key
derived from SECRET_KEY when that is not set: verify with the same key the events were
written with, or every event is reported as altered."""

import json
import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.services import verification_record
from pinzhi.timeline.verify import chain_labels, timeline_check

CHAIN_INTACT = _("%(chain)s: %(count)s events, intact.")
CHAIN_PROBLEMS = _("%(chain)s: %(count)s events, %(problems)s problem(s).")
INTACT = _("%(count)s events checked in %(ms)s ms: the timeline is intact.")
PROBLEMS = _("%(count)s events checked in %(ms)s ms: %(problems)s problem(s) found.")


class Command(BaseCommand):
    help = (
        "Verify the timeline's hash chain; list every altered, inserted or deleted event. "
        "The hashes are keyed: run it with the same PINZHI_TIMELINE_KEY (or, when that is "
        "not set, the same SECRET_KEY) as when the events were written, or every event is "
        "reported as altered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the findings as JSON")
        parser.add_argument(
            "--full",
            action="store_true",
            help="walk every event of every chain, not only those since the last checkpoint",
        )
        parser.add_argument(
            "--no-record",
            action="store_true",
            help="do not keep this run as the last verification result",
        )

    def handle(self, *args, **options):
        if options["no_record"]:
            result = timeline_check(full=options["full"])
        else:
            result, _run = verification_record(full=options["full"])
        if options["json"]:
            report = {
                "ok": result.ok,
                "events_checked": result.events_checked,
                "head_seq": result.head_seq,
                "head_hash": result.head_hash,
                "duration_ms": result.duration_ms,
                "findings": [f.as_dict() for f in result.findings],
                "chains": [
                    {
                        "chain": c.chain,
                        "company_id": c.company_id,
                        "ok": c.ok,
                        "events_checked": c.events_checked,
                        "problems": c.problems,
                        "head_seq": c.head_seq,
                        "head_hash": c.head_hash,
                    }
                    for c in result.chains
                ],
            }
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            labels = chain_labels(c.chain for c in result.chains)
            for f in result.findings:
                where = (
                    f"#{f.seq} (id {f.event_id}) {f.action} · {f.subject}: "
                    if f.event_id is not None
                    else ""
                )
                chain = labels.get(f.chain, f.chain)
                self.stdout.write(f"{f.kind.upper():9} {where}{f.message} [{chain}]")
            # One line per chain: the verifier reports per company.
            for c in result.chains:
                line = str(CHAIN_INTACT if c.ok else CHAIN_PROBLEMS) % {
                    "chain": labels.get(c.chain, c.chain),
                    "count": c.events_checked,
                    "problems": c.problems,
                }
                self.stdout.write(line if c.ok else self.style.WARNING(line))
            counts = {
                "count": result.events_checked,
                "ms": result.duration_ms,
                "problems": len(result.findings),
            }
            if result.ok:
                self.stdout.write(self.style.SUCCESS(str(INTACT) % counts))
            else:
                self.stdout.write(self.style.ERROR(str(PROBLEMS) % counts))
        if not result.ok:
            sys.exit(1)
