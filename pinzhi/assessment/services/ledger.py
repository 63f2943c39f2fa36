"""The points ledger's one way in (DESIGN mechanism 4, issue 11 item 1): `entry_book`
appends an entry; nothing edits or deletes one. Every part of the assessment books through
it — the entries derived from timeline events, a manager's offences and daily records, the
stars, the worst-service fines, the corrections of an upheld appeal."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models

from pinzhi.assessment.models import AssessmentMonth, EntryKind, MonthStatus, PointsEntry
from pinzhi.assessment.services.memo import memoised
from pinzhi.deadlines.display import duration_text
from pinzhi.lib.clock import now
from pinzhi.lib.months import month_next, month_of, month_text
from pinzhi.orgs.models import Company, Person
from pinzhi.orgs.selectors import DEFAULT_PACK
from pinzhi.policy.models import Rule
from pinzhi.policy.packs import source_text
from pinzhi.policy.selectors import rule_value_or_none
from pinzhi.policy.values import Frequency, Range, display
from pinzhi.timeline.models import Event


def pack_of(company: Company) -> str:
    return company.policy_pack or DEFAULT_PACK


@dataclass(frozen=True)
class Applied:
    """A rule as applied to one entry: its typed value, how that reads, and its clause."""

    key: str
    value: Any
    text: str
    citation: str


def rule_applied(key: str, *, company: Company, at: datetime | None = None) -> Applied | None:
    """Rule `key` of the company's pack in force at `at` (default now), or None when the
    company's regulations have no such rule (then nothing is booked under it)."""
    pack = pack_of(company)
    value = rule_value_or_none(key, pack=pack, company=company, at=at)
    if value is None:
        return None
    rule = memoised(
        ("rule", pack, key),
        lambda: Rule.objects.filter(pack__code=pack, key=key).only(
            "value_type", "unit", "citation_seed", "citation_clause"
        )[0],
    )
    return Applied(
        key=key,
        value=value,
        text=_value_text(rule, value),
        citation=source_text(rule.citation_seed, rule.citation_clause),
    )


def _value_text(rule: Rule, value: Any) -> str:
    """The value as the pack pages show it (−5 分, 500 元, −15 至 −5 分)."""
    if isinstance(value, Range):
        return display(rule.value_type, rule.unit, {"min": value.min, "max": value.max})
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Frequency):
        return display(rule.value_type, rule.unit, {"times": value.times, "per": value.per})
    return display(rule.value_type, rule.unit, value)


def month_locked(company_id: int, month: date) -> bool:
    """Whether `month` was closed and exported to payroll: its entries are final."""
    return memoised(
        ("locked", company_id, month),
        lambda: AssessmentMonth.objects.filter(
            company_id=company_id, month=month, status=MonthStatus.CLOSED
        ).exists(),
    )


def open_month(company_id: int, month: date) -> date:
    """`month`, or the first month after it that is not yet exported to payroll."""
    while month_locked(company_id, month):
        month = month_next(month)
    return month


def entry_book(
    *,
    company: Company,
    person: Person,
    kind: EntryKind | str,
    occurred_at: datetime,
    points: int = 0,
    amount: Decimal | None = None,
    applied: Applied | None = None,
    count: int | None = None,
    event: Event | None = None,
    subject: models.Model | None = None,
    reason: str = "",
    sanction: str = "",
    notice: bool = False,
    corrects: PointsEntry | None = None,
    entered_by: Person | None = None,
) -> PointsEntry:
    """Append one entry to `person`'s ledger, in the month `occurred_at` falls in
    (Asia/Shanghai) — or, when that month is already exported to payroll, in the next open
    month, saying so in its reason. Booking again for the same event, kind and person
    returns the entry already booked (exactly once). Runs in the caller's transaction."""
    if event is not None:
        booked = PointsEntry.objects.filter(event=event, kind=kind, person=person).first()
        if booked is not None:
            return booked
    entry = entry_build(
        company=company,
        person=person,
        kind=kind,
        occurred_at=occurred_at,
        points=points,
        amount=amount,
        applied=applied,
        count=count,
        event=event,
        subject=subject,
        reason=reason,
        sanction=sanction,
        notice=notice,
        corrects=corrects,
        entered_by=entered_by,
    )
    entry.save()
    return entry


def entries_book(entries: list[PointsEntry]) -> list[PointsEntry]:
    """Append many entries built with `entry_build` (a month end's fines) in one insert."""
    return PointsEntry.objects.bulk_create(entries, batch_size=2000)


def entry_build(
    *,
    company: Company,
    person: Person,
    kind: EntryKind | str,
    occurred_at: datetime,
    points: int = 0,
    amount: Decimal | None = None,
    applied: Applied | None = None,
    count: int | None = None,
    event: Event | None = None,
    subject: models.Model | None = None,
    reason: str = "",
    sanction: str = "",
    notice: bool = False,
    corrects: PointsEntry | None = None,
    entered_by: Person | None = None,
    landing: date | None = None,
) -> PointsEntry:
    """The entry `entry_book` appends, not yet saved: `landing` is the open month it lands
    in when the caller already knows it (`open_month`), else it is read here."""
    month = month_of(occurred_at)
    landing = landing or open_month(company.pk, month)
    if landing != month:
        late = f"（原属 {month_text(month)}，该月已导出工资，计入 {month_text(landing)}）"
        reason = f"{reason}{late}" if reason else late.strip("（）")
    return PointsEntry(
        company=company,
        person=person,
        unit_id=person.unit_id,
        month=landing,
        occurred_at=occurred_at,
        kind=kind,
        points=points,
        amount=amount,
        rule_key=applied.key if applied else "",
        rule_value=applied.text if applied else "",
        citation=applied.citation if applied else "",
        count=count,
        event=event,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        subject_label=str(subject)[:200] if subject is not None else "",
        reason=reason,
        sanction=sanction,
        notice=notice,
        corrects=corrects,
        entered_by=entered_by,
        created_at=now(),
    )
