"""Timeline throughput (issue 7, item 7): how long company B takes to record 200 events
while company A records a 10,000-event import in one transaction.

Run against a throwaway PostgreSQL database (it is migrated, and the two companies are
created in it):

    PINZHI_DATABASE_URL=postgres://postgres@127.0.0.1:54341/bench \\
        .venv/bin/python scripts/bench_timeline_chains.py
"""

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402

from pinzhi.orgs.tests.factories import CompanyFactory  # noqa: E402
from pinzhi.timeline.services import event_record  # noqa: E402

IMPORT_EVENTS = int(os.environ.get("BENCH_IMPORT_EVENTS", "10000"))
B_EVENTS = int(os.environ.get("BENCH_B_EVENTS", "200"))


def record_b(company) -> float:
    started = time.monotonic()
    for i in range(B_EVENTS):
        with transaction.atomic():
            event_record(subject=company, action="company.touched", data={"i": i})
    return time.monotonic() - started


def main() -> None:
    call_command("migrate", verbosity=0)
    a = CompanyFactory(name="甲物业有限公司")
    b = CompanyFactory(name="乙物业有限公司")
    alone = record_b(b)

    started_import = threading.Event()
    import_time: list[float] = []

    def long_import() -> None:
        t0 = time.monotonic()
        with transaction.atomic():
            for i in range(IMPORT_EVENTS):
                event_record(subject=a, action="company.imported", data={"row": i})
                if i == 0:
                    started_import.set()
        import_time.append(time.monotonic() - t0)
        connections.close_all()

    thread = threading.Thread(target=long_import)
    thread.start()
    started_import.wait()
    during = record_b(b)
    b_done_while_importing = thread.is_alive()
    thread.join()
    print(f"B: {B_EVENTS} events alone:               {alone:7.2f} s")
    print(f"B: {B_EVENTS} events during A's import:   {during:7.2f} s")
    print(f"B finished before A's import committed: {b_done_while_importing}")
    print(f"A: {IMPORT_EVENTS}-event import in one transaction: {import_time[0]:7.2f} s")


if __name__ == "__main__":
    main()
