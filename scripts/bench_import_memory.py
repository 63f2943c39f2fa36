"""Peak memory of importing a ROWS-row complaint workbook (issue 9 item 6), each side in its
own process as in production:

    web     upload the workbook, map it and check it as the web requests do
            (`upload_store`, `mapping_save`, `rows_check(keep_rows=False)`); prints the token
    worker  claim the checked batch and run the import task (`import_run`) as db_worker does

    PINZHI_DATABASE_URL=postgres://…/pinzhi .venv/bin/python scripts/bench_import_memory.py \
        web [rows]
    PINZHI_DATABASE_URL=… .venv/bin/python scripts/bench_import_memory.py worker <token>

Needs a database with the demo (`pinzhi load_demo`); never point it at a shared bench
database: the worker side writes ROWS complaints.
"""

import io
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from pinzhi.complaints import importer  # noqa: E402
from pinzhi.orgs.models import Company, Person  # noqa: E402

HEADER = ["编号", "投诉时间", "投诉人", "联系电话", "地址", "投诉主题", "投诉内容", "答复意见"]
TOPICS = [
    ("楼上装修噪音", "楼上每天早上七点就开始装修，电钻声音太大，老人休息不好，请物业管一管。"),
    ("电梯经常停运", "3栋电梯这个月已经坏了三次，每次维修都要两三天，上下楼很困难。"),
    ("垃圾没人清理", "小区门口的垃圾桶满了好几天没人清理，天气热臭味很大，蚊虫很多。"),
    ("保安夜间不巡逻", "晚上十点以后看不到保安巡逻，上周电动车被偷了，监控也说坏了。"),
    ("停车位被占用", "我买的车位经常被外来车辆占用，打电话给物业也没人来处理。"),
]


def status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("投诉")
    sheet.append(HEADER)
    rng = random.Random(6)
    start = datetime(2024, 1, 1, 8, 0)
    for n in range(rows):
        title, content = rng.choice(TOPICS)
        sheet.append(
            [
                f"IMP{n:07d}",
                start + timedelta(minutes=7 * n),
                f"业主{n % 997}",
                f"139{n:08d}",
                f"翠湖花园{n % 30 + 1}栋{n % 6 + 1}单元{n % 20 + 1:02d}01",
                title,
                f"{content}（第{n}次反映）",
                "已安排处理，已回访业主。",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def web(rows: int) -> None:
    content = workbook(rows)
    print(f"workbook: {rows:,} rows, {len(content) / 1e6:.1f} MB; RSS {status('VmRSS:'):.0f} MB")
    company = Company.objects.order_by("pk").first()
    quality = Person.objects.get(username="quality")
    t0 = time.perf_counter()
    batch = importer.upload_store(SimpleUploadedFile("history.xlsx", content), user=quality)
    del content
    importer.mapping_save(
        batch,
        mapping=batch.meta["mapping"],
        extras=batch.meta["extras"],
        options={
            "company_id": company.pk,
            "location_id": None,
            "category": "other",
            "channel": "import",
            "source": f"memory-{batch.token[:8]}",
        },
    )
    check = importer.rows_check(batch, keep_rows=False)
    importer.check_save(batch, check)
    took = time.perf_counter() - t0
    print(
        f"web: upload + check {took:.1f} s, {check.good:,} good, {len(check.broken)} broken;"
        f" peak RSS {status('VmHWM:'):.0f} MB"
    )
    print(batch.token)


def worker(token: str) -> None:
    from pinzhi.core.imports import import_batch_claim

    batch = importer.batch_get(token)
    import_batch_claim(batch)
    t0 = time.perf_counter()
    result = importer.import_run(token)
    took = time.perf_counter() - t0
    print(
        f"worker: import {took:.1f} s, {result['imported']:,} imported, {result['groups']} groups;"
        f" peak RSS {status('VmHWM:'):.0f} MB"
    )


if __name__ == "__main__":
    if sys.argv[1] == "web":
        web(int(sys.argv[2]) if len(sys.argv) > 2 else 50_000)
    else:
        worker(sys.argv[2])
