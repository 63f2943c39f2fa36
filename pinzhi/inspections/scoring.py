"""An inspection's score, computed from its template version (INS-4).

Pure: it reads items and answers as given and touches no database, so the phone page, the
submission service, the import check and the tests share it.

- A pass/fail item earns its weight when passed, nothing when failed.
- A 0…N item earns weight × score / N.
- "Not applicable" leaves the item out of the denominator.
- A follow-up item counts only when it is shown, that is when its parent failed.
- A failed critical item fails the whole inspection, whatever the percentage.
- An item not answered counts as not answered (the inspection is incomplete), never as a pass.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "na"
SCALE = "scale"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class ItemLike(Protocol):
    pk: int | None
    weight: Decimal
    scoring: str
    max_score: int
    critical: bool
    follow_up_of_id: int | None


class AnswerLike(Protocol):
    result: str
    score: int | None


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal
    max_score: Decimal
    percent: Decimal | None  # None when every counted item was not applicable
    failed_critical: bool
    passed: bool | None  # None while items are still unanswered
    unanswered: list[int] = field(default_factory=list)  # pks of shown items not answered


def shown(item: ItemLike, answers: Mapping[int, AnswerLike]) -> bool:
    """A follow-up item is shown only when its parent item failed."""
    if item.follow_up_of_id is None:
        return True
    parent = answers.get(item.follow_up_of_id)
    return parent is not None and parent.result == FAIL


def item_points(item: ItemLike, answer: AnswerLike) -> Decimal:
    """What one answered, applicable item earns, out of its weight."""
    weight = Decimal(item.weight)
    if answer.result == FAIL and item.scoring != SCALE:
        return Decimal(0)
    if item.scoring == SCALE:
        top = max(item.max_score, 1)
        given = min(max(answer.score or 0, 0), top)
        return weight * Decimal(given) / Decimal(top)
    return weight


def inspection_score(
    items: Iterable[ItemLike],
    answers: Mapping[int, AnswerLike],
    *,
    pass_percent: Decimal,
) -> ScoreResult:
    """Score `answers` (by item pk) against `items` of one template version (INS-4)."""
    earned = Decimal(0)
    possible = Decimal(0)
    failed_critical = False
    unanswered: list[int] = []
    for item in items:
        assert item.pk is not None
        if not shown(item, answers):
            continue
        answer = answers.get(item.pk)
        if answer is None:
            unanswered.append(item.pk)
            continue
        if answer.result == NOT_APPLICABLE:
            continue
        if answer.result == FAIL and item.critical:
            failed_critical = True
        possible += Decimal(item.weight)
        earned += item_points(item, answer)
    percent = (earned * HUNDRED / possible).quantize(CENT, ROUND_HALF_UP) if possible else None
    if unanswered:
        passed = None
    else:
        passed = not failed_critical and (percent is None or percent >= Decimal(pass_percent))
    return ScoreResult(
        score=earned.quantize(CENT, ROUND_HALF_UP),
        max_score=possible.quantize(CENT, ROUND_HALF_UP),
        percent=percent,
        failed_critical=failed_critical,
        passed=passed,
        unanswered=unanswered,
    )
