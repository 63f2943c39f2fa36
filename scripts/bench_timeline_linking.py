"""Timeline appends under concurrency (issue 9 item 2): THREADS threads each run
TRANSACTIONS transactions that record an event, do WORK_MS of other work while the
transaction is open (an intake's other writes), record a second event and commit, all in
one company's chain. Prints events/s, the transactions' p50/p99 and checks that the chain
is gapless and verifies.

Run against a throwaway PostgreSQL database (it is migrated and a company created in it):

    PINZHI_DATABASE_URL=postgres://postgres@127.0.0.1:54392/bench_linking \\
        .venv/bin/python scripts/bench_timeline_linking.py
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from pinzhi.orgs.tests.factories import CompanyFactory  # noqa: E402
from pinzhi.timeline.models import Event, chain_key  # noqa: E402
from pinzhi.timeline.services import event_record  # noqa: E402
from pinzhi.timeline.verify import timeline_check  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "8"))
TRANSACTIONS = int(os.environ.get("BENCH_TRANSACTIONS", "40"))
WORK_MS = float(os.environ.get("BENCH_WORK_MS", "20"))


def main() -> None:
    call_command("migrate", verbosity=0)
    company = CompanyFactory(name=f"压测物业{time.time_ns()}")
    durations: list[float] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS + 1)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(TRANSACTIONS):
                t0 = time.monotonic()
                with transaction.atomic():
                    event_record(subject=company, action="company.touched", data={"n": n})
                    with connection.cursor() as cursor:  # other work, in the database
                        cursor.execute("SELECT pg_sleep(%s)", [WORK_MS / 1000])
                    event_record(subject=company, action="company.touched", data={"i": i})
                durations.append(time.monotonic() - t0)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - t0
    if errors:
        raise errors[0]
    events = THREADS * TRANSACTIONS * 2
    seqs = list(
        Event.objects.filter(chain=chain_key(company.pk))
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    durations.sort()
    print(f"{THREADS} threads x {TRANSACTIONS} transactions x 2 events, {WORK_MS:g} ms work inside")
    print(f"elapsed {elapsed:.2f} s: {events / elapsed:.1f} events/s")
    p50 = statistics.median(durations) * 1000
    p99 = durations[int(len(durations) * 0.99) - 1] * 1000
    print(f"transaction p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    gapless = seqs == list(range(1, len(seqs) + 1))
    print(f"chain: {len(seqs)} events, gapless: {gapless}, verifies: {timeline_check().ok}")


if __name__ == "__main__":
    main()
