"""Chinese text for search and repeat detection: words cut by jieba, traditional characters
folded to simplified (OpenCC), so 電梯 finds 电梯 (CMP-6 archive search, CMP-8)."""

import logging
import re
from functools import lru_cache

import jieba
import opencc

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
# Text without CJK characters needs neither OpenCC nor jieba (a fast path for imports of
# English records, e.g. the CFPB database): words are runs of letters and digits.
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN_WORD = re.compile(r"[^\W_]+")
# Words too common in complaints to tell one topic from another.
STOP_WORDS = frozenset(
    "的 了 是 在 我 我们 你 你们 他 她 它 和 与 及 也 都 就 还 又 很 太 非常 没有 没 不 有 "
    "一个 这个 那个 这 那 啊 吧 呢 吗 请 请问 希望 要求 问题 情况 投诉 反映 业主 物业 "
    "小区 已经 一直 现在 今天 昨天 每天 时候 什么 怎么 为什么 能 会 可以 把 被 让 给 "
    "the a an of to and is are was were in on for with".split()
)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Lower-case, simplified characters."""
    text = text or ""
    if not _CJK.search(text):
        return text.lower()
    return _converter().convert(text).lower()


def words(text: str) -> list[str]:
    """The words of `text` for matching: jieba's cut for search, without punctuation, stop
    words and short numbers (long ones such as a tracking code or a room number stay)."""
    result = []
    folded = fold(text)
    cut = jieba.lcut_for_search(folded) if _CJK.search(folded) else _LATIN_WORD.findall(folded)
    for word in cut:
        if not _WORD.fullmatch(word) or word in STOP_WORDS:
            continue
        if word.isdigit() and len(word) < 3:
            continue
        result.append(word)
    return result


def search_document(*parts: str) -> str:
    """The text stored for the archive search: every word once, space-separated."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in words(part):
            seen.setdefault(word, None)
    return " ".join(seen)


def query_terms(query: str) -> list[str]:
    """The terms of a search-box query; each must occur in a document that matches."""
    if not query.strip():
        return []
    return words(query) or [fold(query).strip()]
