"""Rule value types: how a value is checked, stored (JSON), typed for code and shown to people.

A rule has a value type and, for some types, a unit. The stored JSON never depends on the
language; `typed()` gives code a Python value (durations as timedelta, money as Decimal, a
range as `Range`, a frequency as `Frequency`) and `display()` gives people "30 分钟", "500 元",
"−5 分".
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class ValueType:
    DURATION = "duration"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    POINTS = "points"
    PERCENT = "percent"
    FREQUENCY = "frequency"
    BOOLEAN = "boolean"
    RANGE = "range"


VALUE_TYPE_CHOICES = [
    (ValueType.DURATION, _("Duration")),
    (ValueType.INTEGER, _("Whole number")),
    (ValueType.DECIMAL, _("Decimal number")),
    (ValueType.MONEY, _("Amount of money")),
    (ValueType.POINTS, _("Points")),
    (ValueType.PERCENT, _("Percentage")),
    (ValueType.FREQUENCY, _("Frequency")),
    (ValueType.BOOLEAN, _("Yes or no")),
    (ValueType.RANGE, _("Range")),
]
VALUE_TYPES = {code for code, _label in VALUE_TYPE_CHOICES}

DURATION_UNITS = ("minutes", "hours", "days")
# Units that count things; the display wording differs, the value is a whole number.
COUNT_UNITS = ("times", "complaints", "ratings", "people", "rings", "copies")
INTEGER_UNITS = COUNT_UNITS + ("calendar_days", "day_of_month", "months", "years")
RANGE_UNITS = DURATION_UNITS + ("points", "yuan", "percent", "times")
PERIODS = ("day", "week", "month", "quarter", "year")

UNIT_CHOICES = [
    ("minutes", _("minutes")),
    ("hours", _("hours")),
    ("days", _("days")),
    ("calendar_days", _("calendar days")),
    ("day_of_month", _("day of the month")),
    ("months", _("months")),
    ("years", _("years")),
    ("times", _("times")),
    ("complaints", _("complaints")),
    ("ratings", _("ratings")),
    ("people", _("people")),
    ("rings", _("rings")),
    ("copies", _("copies")),
    ("points", _("points")),
    ("yuan", _("yuan")),
    ("percent", _("percent")),
]
PERIOD_CHOICES = [
    ("day", _("per day")),
    ("week", _("per week")),
    ("month", _("per month")),
    ("quarter", _("per quarter")),
    ("year", _("per year")),
]

# Which units each value type accepts ("" = no unit).
ALLOWED_UNITS: dict[str, tuple[str, ...]] = {
    ValueType.DURATION: DURATION_UNITS,
    ValueType.INTEGER: ("",) + INTEGER_UNITS,
    ValueType.DECIMAL: ("",),
    ValueType.MONEY: ("", "yuan"),
    ValueType.POINTS: ("", "points"),
    ValueType.PERCENT: ("", "percent"),
    ValueType.FREQUENCY: ("",),
    ValueType.BOOLEAN: ("",),
    ValueType.RANGE: RANGE_UNITS,
}

MSG_NOT_A_NUMBER = _("“%(value)s” is not a number.")
MSG_NOT_WHOLE = _("“%(value)s” is not a whole number.")
MSG_DURATION_POSITIVE = _("A duration must be longer than zero.")
MSG_NEGATIVE = _("The value cannot be negative.")
MSG_PERCENT_RANGE = _("A percentage must be between 0 and 100.")
MSG_DAY_OF_MONTH = _("A day of the month must be between 1 and 31.")
MSG_RANGE_SHAPE = _("A range needs a minimum and a maximum.")
MSG_RANGE_ORDER = _("The minimum (%(min)s) must not be greater than the maximum (%(max)s).")
MSG_FREQUENCY_SHAPE = _("A frequency needs a number of times and a period.")
MSG_FREQUENCY_TIMES = _("A frequency needs at least one time per period.")
MSG_FREQUENCY_PERIOD = _("“%(period)s” is not a period; use day, week, month, quarter or year.")
MSG_BOOLEAN = _("“%(value)s” is not yes or no.")
MSG_UNKNOWN_TYPE = _("“%(type)s” is not a value type.")
MSG_UNIT = _("The unit “%(unit)s” does not fit a value of type “%(type)s”.")
MSG_DURATION_LIMIT = _("A duration can be at most %(limit)s (ten years).")
MSG_NUMBER_LIMIT = _("The value must be between −%(limit)s and %(limit)s.")
MSG_COUNT_LIMIT = _("The value can be at most %(limit)s.")
MSG_MONEY_LIMIT = _("An amount can be at most %(limit)s yuan.")
MSG_TOO_PRECISE = _("Give at most %(places)s decimal places.")

# Sane bounds, so that a typing slip (99999999999999 minutes) is refused with a message
# instead of overflowing when code turns the value into a timedelta.
MAX_DURATION_DAYS = 3650
MAX_DURATION = {
    "minutes": MAX_DURATION_DAYS * 24 * 60,
    "hours": MAX_DURATION_DAYS * 24,
    "days": MAX_DURATION_DAYS,
}
MAX_NUMBER = 100_000  # integers, points, decimals and times per period: within ±100000
MAX_MONEY = 100_000_000
MAX_DECIMAL_PLACES = 4


@dataclass(frozen=True)
class Range:
    """An inclusive range, e.g. 1–3 days for answering a complainant or −15…−5 points."""

    min: Any
    max: Any

    def __contains__(self, item: Any) -> bool:
        return self.min <= item <= self.max


@dataclass(frozen=True)
class Frequency:
    """`times` per `per` (day, week, month, quarter, year), e.g. once per quarter."""

    times: int
    per: str


def check_unit(value_type: str, unit: str) -> None:
    if value_type not in VALUE_TYPES:
        raise ValidationError(MSG_UNKNOWN_TYPE, params={"type": value_type})
    if (unit or "") not in ALLOWED_UNITS[value_type]:
        raise ValidationError(MSG_UNIT, params={"unit": unit, "type": value_type})


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValidationError(MSG_NOT_A_NUMBER, params={"value": raw})
    try:
        number = Decimal(str(raw).strip().replace("−", "-"))
    except (InvalidOperation, ValueError):
        raise ValidationError(MSG_NOT_A_NUMBER, params={"value": raw}) from None
    if not number.is_finite():
        raise ValidationError(MSG_NOT_A_NUMBER, params={"value": raw})
    exponent = number.normalize().as_tuple().exponent  # an int: the number is finite
    if number != 0 and isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise ValidationError(MSG_TOO_PRECISE, params={"places": MAX_DECIMAL_PLACES})
    return number


def _whole(number: Decimal, raw: Any) -> int:
    """`number` as an int; call it only on a number already checked against its bounds, so
    that 1E+999999 is never expanded digit by digit."""
    if number != number.to_integral_value():
        raise ValidationError(MSG_NOT_WHOLE, params={"value": raw})
    return int(number)


def _at_most(number: Decimal, limit: int, message: "StrPromise", params: dict[str, Any]) -> None:
    if number > limit:
        raise ValidationError(message, params=params)


def _plain(number: Decimal) -> int | str:
    """A JSON-safe form of a number: an int when whole, else a decimal string."""
    if number == number.to_integral_value():
        return int(number)
    return format(number.normalize(), "f")


def _scalar(value_type: str, unit: str, raw: Any) -> Any:
    """Check one scalar value and return its stored (JSON) form."""
    if value_type == ValueType.DURATION:
        number = _decimal(raw)
        if number <= 0:
            raise ValidationError(MSG_DURATION_POSITIVE)
        limit = MAX_DURATION[unit]
        _at_most(number, limit, MSG_DURATION_LIMIT, {"limit": _with_unit(unit, limit)})
        return _plain(number)
    if value_type == ValueType.POINTS:
        number = _decimal(raw)
        _at_most(abs(number), MAX_NUMBER, MSG_NUMBER_LIMIT, {"limit": MAX_NUMBER})
        return _whole(number, raw)
    if value_type == ValueType.INTEGER:
        number = _decimal(raw)
        if unit == "day_of_month" and not 1 <= number <= 31:
            raise ValidationError(MSG_DAY_OF_MONTH)
        if number < 0:
            raise ValidationError(MSG_NEGATIVE)
        _at_most(number, MAX_NUMBER, MSG_COUNT_LIMIT, {"limit": MAX_NUMBER})
        return _whole(number, raw)
    if value_type in (ValueType.MONEY, ValueType.PERCENT, ValueType.DECIMAL):
        number = _decimal(raw)
        if value_type == ValueType.PERCENT and not 0 <= number <= 100:
            raise ValidationError(MSG_PERCENT_RANGE)
        if value_type == ValueType.MONEY and number < 0:
            raise ValidationError(MSG_NEGATIVE)
        if value_type == ValueType.MONEY:
            _at_most(number, MAX_MONEY, MSG_MONEY_LIMIT, {"limit": MAX_MONEY})
        if value_type == ValueType.DECIMAL:
            _at_most(abs(number), MAX_NUMBER, MSG_NUMBER_LIMIT, {"limit": MAX_NUMBER})
        return format(number.normalize(), "f") if number != 0 else "0"
    raise ValidationError(MSG_UNKNOWN_TYPE, params={"type": value_type})


# The scalar type of each range unit.
_RANGE_ELEMENT = {
    "minutes": ValueType.DURATION,
    "hours": ValueType.DURATION,
    "days": ValueType.DURATION,
    "points": ValueType.POINTS,
    "yuan": ValueType.MONEY,
    "percent": ValueType.PERCENT,
    "times": ValueType.INTEGER,
}


def normalise(value_type: str, unit: str, raw: Any) -> Any:
    """Check `raw` against the type and return the form stored in RuleVersion.value.

    Raises ValidationError with a message saying what is wrong."""
    check_unit(value_type, unit)
    if value_type == ValueType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1", "on", "是"):
            return True
        if text in ("false", "no", "0", "off", "否"):
            return False
        raise ValidationError(MSG_BOOLEAN, params={"value": raw})
    if value_type == ValueType.FREQUENCY:
        if not isinstance(raw, dict) or "times" not in raw or "per" not in raw:
            raise ValidationError(MSG_FREQUENCY_SHAPE)
        number = _decimal(raw["times"])
        if number < 1:
            raise ValidationError(MSG_FREQUENCY_TIMES)
        _at_most(number, MAX_NUMBER, MSG_COUNT_LIMIT, {"limit": MAX_NUMBER})
        times = _whole(number, raw["times"])
        if raw["per"] not in PERIODS:
            raise ValidationError(MSG_FREQUENCY_PERIOD, params={"period": raw["per"]})
        return {"times": times, "per": raw["per"]}
    if value_type == ValueType.RANGE:
        if not isinstance(raw, dict) or "min" not in raw or "max" not in raw:
            raise ValidationError(MSG_RANGE_SHAPE)
        element = _RANGE_ELEMENT[unit]
        low = _scalar(element, unit, raw["min"])
        high = _scalar(element, unit, raw["max"])
        if Decimal(str(low)) > Decimal(str(high)):
            raise ValidationError(
                MSG_RANGE_ORDER, params={"min": _number_text(low), "max": _number_text(high)}
            )
        return {"min": low, "max": high}
    return _scalar(value_type, unit, raw)


def _typed_scalar(value_type: str, unit: str, stored: Any) -> Any:
    if value_type == ValueType.DURATION:
        return timedelta(**{unit: float(Decimal(str(stored)))})
    if value_type in (ValueType.INTEGER, ValueType.POINTS):
        return int(stored)
    return Decimal(str(stored))


def typed(value_type: str, unit: str, stored: Any) -> Any:
    """The stored value as code uses it: timedelta, int, Decimal, bool, Range, Frequency."""
    if value_type == ValueType.BOOLEAN:
        return bool(stored)
    if value_type == ValueType.FREQUENCY:
        return Frequency(times=int(stored["times"]), per=stored["per"])
    if value_type == ValueType.RANGE:
        element = _RANGE_ELEMENT[unit]
        return Range(
            min=_typed_scalar(element, unit, stored["min"]),
            max=_typed_scalar(element, unit, stored["max"]),
        )
    return _typed_scalar(value_type, unit, stored)


def _number_text(stored: Any) -> str:
    """A number as people read it, with a real minus sign."""
    text = format(Decimal(str(stored)).normalize(), "f") if stored != 0 else "0"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace("-", "−")


def _with_unit(unit: str, stored: Any) -> str:
    n = _number_text(stored)
    count = abs(int(Decimal(str(stored)))) if Decimal(str(stored)) % 1 == 0 else 2
    formats = {
        "minutes": ngettext("%(n)s minute", "%(n)s minutes", count),
        "hours": ngettext("%(n)s hour", "%(n)s hours", count),
        "days": ngettext("%(n)s day", "%(n)s days", count),
        "months": ngettext("%(n)s month", "%(n)s months", count),
        "years": ngettext("%(n)s year", "%(n)s years", count),
        "times": ngettext("%(n)s time", "%(n)s times", count),
        "complaints": ngettext("%(n)s complaint", "%(n)s complaints", count),
        "ratings": ngettext("%(n)s rating", "%(n)s ratings", count),
        "people": ngettext("%(n)s person", "%(n)s people", count),
        "rings": ngettext("%(n)s ring", "%(n)s rings", count),
        "copies": ngettext("%(n)s copy", "%(n)s copies", count),
        "points": ngettext("%(n)s point", "%(n)s points", count),
        "yuan": ngettext("%(n)s yuan", "%(n)s yuan", count),
        "percent": str(_("%(n)s%%")),
        "day_of_month": str(_("day %(n)s of the month")),
    }
    if unit == "calendar_days":
        if int(stored) == 0:
            return str(_("the same day"))
        return ngettext("within %(n)s calendar day", "within %(n)s calendar days", int(stored)) % {
            "n": n
        }
    if unit in formats:
        return formats[unit] % {"n": n}
    return n


def _frequency_text(times: int, per: str) -> str:
    once = {
        "day": _("once a day"),
        "week": _("once a week"),
        "month": _("once a month"),
        "quarter": _("once a quarter"),
        "year": _("once a year"),
    }
    several = {
        "day": _("%(n)s times a day"),
        "week": _("%(n)s times a week"),
        "month": _("%(n)s times a month"),
        "quarter": _("%(n)s times a quarter"),
        "year": _("%(n)s times a year"),
    }
    if times == 1:
        return str(once[per])
    return str(several[per]) % {"n": times}


def display(value_type: str, unit: str, stored: Any) -> str:
    """The value in human form, in the active language: "30 分钟", "500 元", "−5 分"."""
    if value_type == ValueType.BOOLEAN:
        return str(_("yes")) if stored else str(_("no"))
    if value_type == ValueType.FREQUENCY:
        return _frequency_text(int(stored["times"]), stored["per"])
    if value_type == ValueType.RANGE:
        low, high = stored["min"], stored["max"]
        return str(_("%(min)s to %(max)s")) % {
            "min": _number_text(low),
            "max": _with_unit(unit, high),
        }
    if value_type == ValueType.MONEY:
        return _with_unit("yuan", stored)
    if value_type == ValueType.POINTS:
        return _with_unit("points", stored)
    if value_type == ValueType.PERCENT:
        return _with_unit("percent", stored)
    return _with_unit(unit, stored)


def form_initial(value_type: str, stored: Any) -> dict[str, Any]:
    """The edit form's fields for a stored value."""
    if value_type == ValueType.RANGE:
        return {
            "minimum": _number_text(stored["min"]).replace("−", "-"),
            "maximum": _number_text(stored["max"]).replace("−", "-"),
        }
    if value_type == ValueType.FREQUENCY:
        return {"times": stored["times"], "per": stored["per"]}
    if value_type == ValueType.BOOLEAN:
        return {"flag": "yes" if stored else "no"}
    return {"value": _number_text(stored).replace("−", "-")}
