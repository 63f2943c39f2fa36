"""Chinese complaint texts for the bulk loader: the demo's cases (`complaints.demo.CASES`)
and real citizens' messages about housing and the environment (`../shared/realdata/
taidi2020_attach2.xlsx`, when it is there), each varied with an estate, a building and a
room, plus customers' names and phone numbers."""

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from pinzhi.complaints.demo import CASES
from pinzhi.complaints.text import words
from pinzhi.orgs.demo import GIVEN, SURNAMES

# Real messages of the categories closest to a property company's complaints.
REALDATA = Path(settings.PROJECT_DIR).parent / "shared" / "realdata" / "taidi2020_attach2.xlsx"
REALDATA_CATEGORIES = ("城乡建设", "环境保护")
OPENINGS = (
    "",
    "业主来电反映：",
    "业主反映：",
    "住户投诉：",
    "客户再次来电：",
    "业主在微信群反映：",
)


@dataclass(frozen=True)
class Text:
    title: str
    content: str
    request: str


@lru_cache(maxsize=1)
def pool() -> tuple[Text, ...]:
    """Every text the loader draws from (the demo's cases first)."""
    texts = [Text(case.title, case.content, case.request) for case in CASES]
    texts.extend(_realdata())
    return tuple(texts)


def _realdata() -> list[Text]:
    if not REALDATA.exists():
        return []
    import openpyxl

    found = []
    workbook = openpyxl.load_workbook(REALDATA, read_only=True)
    try:
        empty = 0
        for row in workbook.active.iter_rows(min_row=2, values_only=True):
            # The sheet claims 65,203 rows though only 495 hold data.
            empty = 0 if row and any(row) else empty + 1
            if empty > 50:
                break
            if len(row) < 6 or not row[2] or row[5] not in REALDATA_CATEGORIES:
                continue
            content = re.sub(r"\s+", "", str(row[4] or ""))[:400]
            if content:
                found.append(Text(str(row[2]).strip()[:200], content, "请尽快核实处理并答复。"))
    finally:
        workbook.close()
    return found


def customer(rng: random.Random) -> tuple[str, str]:
    """A customer's name (a full name, or 王先生 / 李女士) and mobile number."""
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.4:
        name = surname + rng.choice(("先生", "女士"))
    else:
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    return name, f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def room(rng: random.Random) -> str:
    building, entrance = rng.randint(1, 30), rng.randint(1, 4)
    return f"{building}栋{entrance}单元{rng.randint(2, 33)}{rng.randint(1, 4):02d}"


def opening(rng: random.Random) -> str:
    """A varied first words: who reports (followed by the room and a comma), or nothing."""
    return rng.choice(OPENINGS)


@lru_cache(maxsize=20000)
def part_words(text: str) -> tuple[str, ...]:
    return tuple(words(text))


def search_text(*parts: str) -> str:
    """`complaints.text.search_document` of the parts, with each part's words cached (the
    loader varies a few parts of each text, not the whole)."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in part_words(part):
            seen.setdefault(word, None)
    return " ".join(seen)
