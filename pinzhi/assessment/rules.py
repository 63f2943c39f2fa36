"""The seed's point rules as pure arithmetic (ASM-4, ASM-6, 004 第5篇 二.2~二.3), shared by
the ledger that books them, the month-end computation and the preview of a rule change.

The reading implemented for 二.2 (issue 11, item 2), within one calendar month in the
company's time: the person complained about loses n × 5 points for their n-th verified
complaint (5, 10, 15 …); the direct supervisor shares the penalty from the 2nd complaint,
k × 3 for their k-th joint penalty (3, 6, 9 … at the 2nd, 3rd, 4th complaint); the group
leader in charge from the 3rd complaint, likewise k × 3. A service star named in n
consecutive months gets n × 500 yuan (二.3). The figures (5, 3, 2nd, 3rd, 500) are the
pack's rules, passed in."""

from decimal import Decimal


def nth_complaint_points(n: int, *, per_count: int) -> int:
    """The person's points for their n-th verified complaint of the month: n × per_count
    (per_count is negative: −5 → −5, −10, −15 …)."""
    if n < 1:
        raise ValueError("n counts from 1")
    return n * per_count


def joint_points(n: int, *, from_count: int, per_count: int) -> int | None:
    """A supervisor's or a group leader's share at the person's n-th complaint: nothing
    before `from_count`, then k × per_count for the k-th joint penalty (k = n − from_count
    + 1): from the 2nd at −3 → −3, −6, −9 …"""
    k = n - from_count + 1
    return k * per_count if k >= 1 else None


def star_reward(streak: int, *, reward: Decimal) -> Decimal:
    """A service star's reward in their `streak`-th consecutive month: streak × reward."""
    if streak < 1:
        raise ValueError("a streak counts from 1")
    return streak * reward
