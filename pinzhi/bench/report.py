"""The benchmark table (issue 9 item 1): printed, and written into docs/benchmarks.md
between markers, with the date, the machine (cores, RAM) and the PostgreSQL version."""

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from pinzhi.bench.measures import Figure, Timings

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
DOC = Path(settings.PROJECT_DIR) / "docs" / "benchmarks.md"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:,.0f}" if value >= 0.01 else f"{value * 1000:.1f}"


def _timings(t: Timings | None) -> tuple[str, str, str, str]:
    if t is None or not t.samples:
        failed = f" ({t.failures} failed)" if t and t.failures else ""
        return "–", "–", "–" + failed, "–"
    throughput = f"{t.throughput:,.1f}/s" if t.throughput and len(t.samples) > 1 else "–"
    failed = f" ({t.failures} failed)" if t.failures else ""
    return _ms(t.pct(50)), _ms(t.pct(95)), _ms(t.pct(99)) + failed, throughput


def machine() -> str:
    cores = os.cpu_count()
    try:
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        ram = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
    load = os.getloadavg()[0]
    return (
        f"{cores} cores, {ram}, {platform.python_implementation()} {platform.python_version()}, "
        f"PostgreSQL {version} (fsync {fsync}), load average {load:.1f} at the start"
    )


def table(size: str, figures: list[Figure], counts: dict[str, int]) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {size} complaints — {now}",
        "",
        f"Machine: {machine()}.",
        "Rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()) + ".",
        "",
        "| measure | Pinzhi p50 / p95 / p99 (ms) | throughput | SQL queries "
        "| plain SQL p50 / p95 / p99 (ms) | ratio (p50) | notes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        a50, a95, a99, athr = _timings(f.pinzhi)
        b50, b95, b99, _bthr = _timings(f.raw)
        if f.raw and f.raw.throughput and f.measure == "intake":
            athr += f" (plain SQL {f.raw.throughput:,.1f}/s)"
        ratio = f"×{f.ratio:,.1f}" if f.ratio else "–"
        queries = str(f.queries) if f.queries is not None else "–"
        note = f.note.replace("|", "/")
        lines.append(
            f"| {f.what} | {a50} / {a95} / {a99} | {athr} | {queries} "
            f"| {b50} / {b95} / {b99} | {ratio} | {note} |"
        )
    return "\n".join(lines) + "\n"


def write(section: str, size: str) -> Path:
    """Put `section` into docs/benchmarks.md between the markers, replacing an earlier
    section of the same size."""
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    sections = [s for s in re.split(r"(?m)^(?=### )", body) if s.strip()]
    sections = [s for s in sections if not s.startswith(f"### {size} complaints")]
    sections.append(section)
    order = {"tiny": 0, "1k": 1, "10k": 2, "100k": 3, "1m": 4}
    sections.sort(key=lambda s: order.get(s.split()[1], 9))
    DOC.write_text(head + BEGIN + "\n" + "\n".join(sections) + END + tail)
    return DOC
