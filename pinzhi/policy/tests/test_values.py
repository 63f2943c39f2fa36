"""Value types: checked with specific messages, typed for code, shown in human form."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pinzhi.policy import values


@pytest.mark.parametrize(
    "value_type,unit,raw,message",
    [
        ("duration", "minutes", 0, "longer than zero"),
        ("duration", "hours", "-1", "longer than zero"),
        ("duration", "days", "two", "is not a number"),
        ("percent", "", "101", "between 0 and 100"),
        ("percent", "", "-1", "between 0 and 100"),
        ("integer", "times", "2.5", "not a whole number"),
        ("integer", "times", "-1", "cannot be negative"),
        ("integer", "day_of_month", "32", "between 1 and 31"),
        ("money", "yuan", "-500", "cannot be negative"),
        ("range", "days", {"min": 3, "max": 1}, "must not be greater"),
        ("range", "points", {"min": -5}, "minimum and a maximum"),
        ("frequency", "", {"times": 0, "per": "month"}, "at least one time"),
        ("frequency", "", {"times": 1, "per": "fortnight"}, "is not a period"),
        ("boolean", "", "maybe", "not yes or no"),
    ],
)
def test_it_refuses_a_value_that_does_not_fit_its_type(value_type, unit, raw, message):
    with pytest.raises(ValidationError) as error:
        values.normalise(value_type, unit, raw)
    assert message in error.value.messages[0]


def test_it_types_values_for_code():
    assert values.typed("duration", "minutes", 30) == timedelta(minutes=30)
    assert values.typed("duration", "hours", "1.5") == timedelta(minutes=90)
    assert values.typed("money", "yuan", "500") == Decimal("500")
    assert values.typed("points", "", -5) == -5
    assert values.typed("percent", "", "92.5") == Decimal("92.5")
    assert values.typed("boolean", "", True) is True
    assert values.typed("range", "days", {"min": 1, "max": 3}) == values.Range(
        timedelta(days=1), timedelta(days=3)
    )
    assert timedelta(days=2) in values.typed("range", "days", {"min": 1, "max": 3})
    assert values.typed("frequency", "", {"times": 1, "per": "quarter"}) == values.Frequency(
        1, "quarter"
    )


def test_it_stores_numbers_in_a_plain_json_form():
    assert values.normalise("duration", "minutes", "30") == 30
    assert values.normalise("duration", "hours", "1.50") == "1.5"
    assert values.normalise("money", "yuan", "500.00") == "500"
    assert values.normalise("points", "", "−5") == -5
    assert values.normalise("boolean", "", "是") is True


@pytest.mark.parametrize(
    "value_type,unit,stored,chinese,english",
    [
        ("duration", "minutes", 30, "30 分钟", "30 minutes"),
        ("duration", "days", 2, "2 天", "2 days"),
        ("duration", "hours", 1, "1 小时", "1 hour"),
        ("money", "yuan", "500", "500 元", "500 yuan"),
        ("points", "", -5, "−5 分", "−5 points"),
        ("percent", "", "90", "90%", "90%"),
        ("range", "days", {"min": 1, "max": 3}, "1 至 3 天", "1 to 3 days"),
        ("range", "points", {"min": -15, "max": -5}, "−15 至 −5 分", "−15 to −5 points"),
        ("frequency", "", {"times": 1, "per": "quarter"}, "每季度 1 次", "once a quarter"),
        ("frequency", "", {"times": 2, "per": "year"}, "每年 2 次", "2 times a year"),
        ("integer", "calendar_days", 0, "当天", "the same day"),
        ("integer", "day_of_month", 5, "每月 5 日", "day 5 of the month"),
        ("boolean", "", True, "是", "yes"),
    ],
)
def test_it_shows_values_in_human_form(value_type, unit, stored, chinese, english):
    with translation.override("zh-hans"):
        assert values.display(value_type, unit, stored) == chinese
    with translation.override("en"):
        assert values.display(value_type, unit, stored) == english


@pytest.mark.parametrize(
    "value_type,unit,raw,message",
    [
        ("duration", "minutes", "99999999999999", "at most 5256000 minutes"),
        ("duration", "hours", "87601", "at most 87600 hours"),
        ("duration", "days", "3651", "at most 3650 days"),
        ("duration", "days", "1e999999", "at most 3650 days"),
        ("integer", "times", "100001", "at most 100000"),
        ("points", "", "-100001", "between −100000 and 100000"),
        ("money", "yuan", "100000000.01", "at most 100000000 yuan"),
        ("decimal", "", "1e9", "between −100000 and 100000"),
        ("frequency", "", {"times": 100001, "per": "day"}, "at most 100000"),
        ("range", "minutes", {"min": 1, "max": 99999999999999}, "at most 5256000 minutes"),
        ("duration", "hours", "0.000001", "at most 4 decimal places"),
    ],
)
def test_it_refuses_values_beyond_sane_bounds(value_type, unit, raw, message):
    """A typing slip is refused with the limit named, instead of overflowing later."""
    with pytest.raises(ValidationError) as error:
        values.normalise(value_type, unit, raw)
    assert message in error.value.messages[0]


def test_the_bounds_themselves_are_accepted():
    assert values.normalise("duration", "days", 3650) == 3650
    assert values.normalise("duration", "minutes", 5256000) == 5256000
    assert values.normalise("points", "", -100000) == -100000
    assert values.normalise("money", "yuan", 100000000) == "100000000"
    assert values.typed("duration", "minutes", 5256000) == timedelta(days=3650)


def test_the_bound_is_named_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        values.normalise("duration", "minutes", "99999999999999")
    assert "5256000 分钟" in error.value.messages[0]
