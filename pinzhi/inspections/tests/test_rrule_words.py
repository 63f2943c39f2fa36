"""A schedule's recurrence rule shown in words on the planning pages (INS-1)."""

import pytest

from pinzhi.inspections.templatetags.inspection_planning import rrule_words


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=DAILY", "每天"),
        ("FREQ=WEEKLY;BYDAY=WE", "每周 · 星期三"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=12", "每 3 个月 · 12 日"),
        ("FREQ=DAILY;BYHOUR=9,14", "每天 · 9、14 点"),
        ("FREQ=YEARLY", "每年"),
    ],
)
def test_it_shows_a_schedules_frequency_in_words(rule, words):
    """INS-1: the schedule list shows the frequency as a quality manager says it, not the
    RFC 5545 code (found on the phone walk-through)."""
    assert rrule_words(rule) == words


@pytest.mark.parametrize("rule", ["FREQ=MONTHLY;BYDAY=-1FR", "FREQ=WEEKLY;BYSETPOS=1", "", "x"])
def test_it_leaves_a_rule_beyond_the_simple_shapes_to_its_code(rule):
    """INS-1: a rule the words cannot say exactly is shown as written (empty words)."""
    assert rrule_words(rule) == ""
