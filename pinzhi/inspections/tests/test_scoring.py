"""The score of an inspection, from its template (INS-4)."""

from dataclasses import dataclass
from decimal import Decimal

from pinzhi.inspections.scoring import inspection_score


@dataclass
class Item:
    pk: int
    weight: Decimal = Decimal(1)
    scoring: str = "pass_fail"
    max_score: int = 1
    critical: bool = False
    follow_up_of_id: int | None = None


@dataclass
class Answer:
    result: str
    score: int | None = None


def test_it_leaves_not_applicable_items_out_of_the_denominator():
    """INS-4: N/A is excluded from the denominator."""
    items = [Item(1), Item(2), Item(3)]
    answers = {1: Answer("pass"), 2: Answer("fail"), 3: Answer("na")}
    result = inspection_score(items, answers, pass_percent=Decimal(60))
    assert (result.score, result.max_score, result.percent) == (1, 2, Decimal("50.00"))
    assert result.passed is False


def test_it_weighs_items_and_scales_scores():
    """INS-4: weights, and items scored 0…N."""
    items = [Item(1, weight=Decimal(3)), Item(2, weight=Decimal(2), scoring="scale", max_score=5)]
    answers = {1: Answer("pass"), 2: Answer("pass", score=4)}
    result = inspection_score(items, answers, pass_percent=Decimal(90))
    assert result.score == Decimal("4.60") and result.max_score == 5
    assert result.percent == Decimal("92.00") and result.passed is True


def test_a_failed_critical_item_fails_the_whole_inspection():
    """INS-4: a critical item that fails fails the inspection, whatever the percentage."""
    items = [Item(n) for n in range(1, 10)] + [Item(10, critical=True)]
    answers = {n: Answer("pass") for n in range(1, 10)} | {10: Answer("fail")}
    result = inspection_score(items, answers, pass_percent=Decimal(60))
    assert result.percent == Decimal("90.00")
    assert result.failed_critical and result.passed is False


def test_a_follow_up_item_counts_only_when_its_parent_failed():
    """INS-4: conditional follow-up items are shown when an answer fails."""
    items = [Item(1), Item(2, follow_up_of_id=1)]
    passed = inspection_score(items, {1: Answer("pass")}, pass_percent=Decimal(60))
    assert passed.max_score == 1 and passed.unanswered == [] and passed.passed is True
    failed = inspection_score(items, {1: Answer("fail")}, pass_percent=Decimal(60))
    assert failed.unanswered == [2] and failed.passed is None
