"""Peak memory of regrouping the last DAYS days of the bench company, in this process, the
transaction rolled back (nothing of the regrouping is kept in the database): issue 9
item 6. Fills the period's missing meaning vectors from the templates first (the one write
kept; see `bench.loader.meanings_plausible`).

    PINZHI_DATABASE_URL=postgres://…/pinzhi_bench_100k .venv/bin/python \
        scripts/bench_regroup_memory.py [days]
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
django.setup()

from django.db import transaction  # noqa: E402

from pinzhi.bench import loader  # noqa: E402
from pinzhi.complaints import grouping  # noqa: E402
from pinzhi.lib.clock import now  # noqa: E402


def status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


class Rollback(Exception):
    pass


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 90
    company = loader.demo_company()
    until = now()
    since = until - timedelta(days=days)
    filled = loader.meanings_plausible(company=company, since=since)
    print(f"filled {filled} meaning vectors; RSS {status('VmRSS:'):.0f} MB before")
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            result = grouping.groups_rebuild(company=company, since=since, until=until)
            raise Rollback
    except Rollback:
        pass
    took = time.perf_counter() - t0
    print(
        f"{result.complaints} complaints, {result.groups} groups, {result.grouped} grouped;"
        f" {took:.1f} s; peak RSS {status('VmHWM:'):.0f} MB"
    )


if __name__ == "__main__":
    main()
