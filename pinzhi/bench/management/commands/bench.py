"""`pinzhi bench --size 100k --only list,search`: load (or reuse) the database of that size
and run the measures beside their plain-SQL counterparts (issue 9 item 1).

The loaded databases live on the PostgreSQL server of PINZHI_DATABASE_URL, named
`pinzhi_bench_<size>`; the command runs itself again against that database (a fresh
process with PINZHI_DATABASE_URL pointing there), so the server under test, the worker and
the commands it starts all use it.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pinzhi.bench import loader, measures, report

DB_PREFIX = "pinzhi_bench_"


class Command(BaseCommand):
    help = "Load the benchmark database of a size (kept and reused) and run the measures."

    def add_arguments(self, parser):
        parser.add_argument("--size", default="10k", choices=sorted(loader.SIZES))
        parser.add_argument(
            "--only",
            default="",
            help=f"comma-separated measures (default all): {', '.join(measures.MEASURES)}",
        )
        parser.add_argument("--load-only", action="store_true", help="load, measure nothing")
        parser.add_argument("--estates", type=int, default=60, help="estates added to the demo")
        parser.add_argument(
            "--no-write", action="store_true", help="print the table, leave docs/ alone"
        )

    def handle(self, *args, size, only, load_only, estates, no_write, **options):
        if connection.vendor != "postgresql":
            raise CommandError("pinzhi bench needs PostgreSQL (PINZHI_DATABASE_URL=postgres://…)")
        names = [n.strip() for n in only.split(",") if n.strip()] or list(measures.MEASURES)
        unknown = set(names) - set(measures.MEASURES)
        if unknown:
            raise CommandError(f"unknown measures: {', '.join(sorted(unknown))}")
        target = DB_PREFIX + size
        if connection.settings_dict["NAME"] != target:
            return self._again(target, size)
        say = lambda text: self.stdout.write(text)  # noqa: E731
        t0 = time.monotonic()
        result = loader.complaints_load(count=loader.SIZES[size], estates=estates, say=say)
        say(
            f"load: {result.complaints:,} complaints added in {result.seconds:.0f} s "
            f"({time.monotonic() - t0:.0f} s with the organisation)"
        )
        if load_only:
            return
        figures = measures.run(names, say=say)
        section = report.table(size, figures, _counts())
        self.stdout.write(section)
        if not no_write:
            say(f"written to {report.write(section, size)}")

    def _again(self, target: str, size: str) -> None:
        """Create the database of `size` when missing, migrate it, and run this command
        again in a process whose PINZHI_DATABASE_URL names it."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target])
            if cursor.fetchone() is None:
                self.stdout.write(f"creating database {target}")
                cursor.execute(f'CREATE DATABASE "{target}"')
        s = connection.settings_dict
        port = s.get("PORT") or 5432
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        url = f"postgres://{s['USER']}{password}@{s['HOST']}:{port}/{target}"
        env = {**os.environ, "PINZHI_DATABASE_URL": url}
        pinzhi = str(Path(sys.executable).with_name("pinzhi"))
        subprocess.run([pinzhi, "migrate", "-v0"], env=env, check=True)
        args = [a for a in sys.argv[1:] if a]
        done = subprocess.run([pinzhi, *args], env=env, check=False)
        if done.returncode:
            raise CommandError(f"bench on {target} exited with {done.returncode}")


def _counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in loader.TABLES:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            counts[table] = int(row[0]) if row else 0
        cursor.execute("SELECT count(*) FROM complaints_complaint")
        counts["complaints_complaint"] = cursor.fetchone()[0]
    return counts
