"""EXPLAIN (ANALYZE, BUFFERS) of the two slowest complaint queries of the three most frequent
list pages (issue 9): the quality department's list, a department head's queue and the archive
search for 噪音, on a database loaded by `pinzhi bench` (the demo's users).

    PINZHI_DATABASE_URL=postgres://…/pinzhi_bench_1m .venv/bin/python scripts/bench_explain_lists.py
"""

import os
import time

PAGES = [
    ("quality", "/complaints/", "quality department's complaint list, page 1"),
    ("manager", "/complaints/department/", "department head's department queue"),
    ("quality", "/complaints/?q=%E5%99%AA%E9%9F%B3", "archive search 噪音"),
]
SHOWN = 600  # characters of each query's SQL printed


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pinzhi.orgs.models import Person

    for username, path, title in PAGES:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(Person.objects.get(username=username))
        client.get(path)  # warm the caches and the process
        with CaptureQueriesContext(connection) as captured:
            started = time.monotonic()
            response = client.get(path)
            ms = (time.monotonic() - started) * 1000
        queries = captured.captured_queries
        print(f"## {title} (`{path}` as {username})")
        print(f"HTTP {response.status_code}, {ms:.0f} ms, {len(queries)} queries\n")
        ours = [q for q in queries if 'FROM "complaints_complaint"' in q["sql"]]
        for query in sorted(ours, key=lambda q: -float(q["time"]))[:2]:
            sql = query["sql"]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            more = " …" if len(sql) > SHOWN else ""
            print(f"query ({query['time']} s):\n```\n{sql[:SHOWN]}{more}\n```")
            print(f"```\n{plan}\n```\n")


if __name__ == "__main__":
    main()
