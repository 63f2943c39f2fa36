"""The points ledger through the API (issue 11 item 5; ASM-3, ASM-5): what an HR or payroll
system reads — the entries of the token's company (by person and month) and a person's month
with its base, points and score (assessment:read) — and the manager entries it may book
(assessment:write): offences and daily records, attributed to the person named in `by`
(else the token's creator) and checked as the pages check them."""

from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from ninja import Query, Schema
from ninja import Status as Reply
from pydantic import Field

from pinzhi.api.api import ErrorOut, _clean_text, _require, api
from pinzhi.api.models import SCOPE_ASSESSMENT_READ, SCOPE_ASSESSMENT_WRITE, ApiToken
from pinzhi.api.problems import InvalidInput, NotFound
from pinzhi.assessment.models import EntryKind, PointsEntry
from pinzhi.assessment.selectors.ledger import month_summary
from pinzhi.assessment.services import offences
from pinzhi.lib.months import month_parse
from pinzhi.orgs.models import Person

PAGE_LIMIT = 100
BAD_MONTH = _("A month is written YYYY-MM, e.g. 2026-11.")
NO_SUCH_PERSON = _("There is no active person with this username or employee number.")
NO_ACTOR = _("There is no active person with this username in the company.")
BAD_TEXT = _("This text holds characters that cannot be stored (%(reason)s).")
BAD_KIND = _("An entry booked through the API is offence_a, offence_b or daily_record.")
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class EntryFilter(Schema):
    person: str | None = Field(
        None, max_length=150, description="Only this person (username or employee number)."
    )
    month: str | None = Field(None, max_length=7, description="Only this month (YYYY-MM).")
    after: int | None = Field(
        None, ge=0, le=2**62, description="The last id of the previous page (next_after)."
    )


class EntryOut(Schema):
    id: int
    person: str = Field(description="The person's username.")
    employee_no: str
    name: str
    unit: str | None = Field(description="The person's unit code when the entry was booked.")
    month: str = Field(description="The month it counts in (YYYY-MM, Asia/Shanghai).")
    occurred_at: str = Field(description="When its cause happened (ISO 8601).")
    kind: str = Field(description="The entry's kind (complaint, offence_a, correction …).")
    points: int = Field(description="Points; a deduction is negative.")
    amount: Decimal | None = Field(description="Yuan, where the rule has an amount.")
    count: int | None = Field(description="The n-th complaint of the month (or the streak).")
    rule: str = Field(description="The pack rule applied (its key).")
    rule_value: str = Field(description="The rule's value as applied.")
    citation: str = Field(description="The clause of the regulations.")
    reason: str
    sanction: str
    notice: bool
    subject: str = Field(description="What the entry is about (its label), or empty.")
    corrects: int | None = Field(description="The entry a correction puts right.")
    booked_at: str


class EntryPage(Schema):
    items: list[EntryOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null: last.")


class MonthOut(Schema):
    person: str
    employee_no: str
    name: str
    month: str
    base: int | None = Field(description="The pack's base points, or null.")
    points: int = Field(description="The sum of the month's entries.")
    score: int | None = Field(description="base + points.")
    amount: Decimal = Field(description="The month's money in yuan.")
    entries: list[EntryOut]


class EntryIn(Schema):
    person: str = Field(
        min_length=1, max_length=150, description="The person (username or employee number)."
    )
    kind: str = Field(max_length=30, description="offence_a, offence_b or daily_record.")
    points: int = Field(ge=-1000, le=1000, description="Within the rule's range.")
    reason: str = Field(max_length=2000)
    day: date | None = Field(None, description="The day it happened (default today).")
    sanction: str = Field("", max_length=20, description="major_demerit (A), warning (B) …")
    notice: bool = Field(False, description="A company-wide notice (category A only).")
    by: str | None = Field(
        None, max_length=150, description="The manager who records it (username)."
    )


def _month(text: str | None, *, where: tuple[str, ...]) -> date | None:
    if text is None:
        return None
    month = month_parse(text)
    if month is None:
        raise InvalidInput(BAD_MONTH, field="month", where=where)
    return month


def _text(value: str, field: str, *, where: tuple[str, ...] = ("body", "payload")) -> str:
    try:
        return _clean_text(value)
    except ValueError as error:
        raise InvalidInput(BAD_TEXT, field=field, where=where, reason=str(error)) from None


def _person(token: ApiToken, key: str, *, where: tuple[str, ...]) -> Person:
    key = _text(key, "person", where=where)[:150]
    person = (
        Person.objects.filter(company_id=token.company_id, is_active=True)
        .filter(Q(username=key) | Q(employee_no=key))
        .order_by("pk")
        .first()
        if key
        else None
    )
    if person is None:
        if where == ("path",):  # the address names a person the company does not have
            raise NotFound(NO_SUCH_PERSON)
        raise InvalidInput(NO_SUCH_PERSON, field="person", where=where)
    return person


def _out(entry: PointsEntry) -> dict:
    person = entry.person
    return {
        "id": entry.pk,
        "person": person.username,
        "employee_no": person.employee_no,
        "name": person.get_full_name(),
        "unit": entry.unit.code if entry.unit else None,
        "month": f"{entry.month:%Y-%m}",
        "occurred_at": entry.occurred_at.isoformat(),
        "kind": str(entry.kind),
        "points": entry.points,
        "amount": entry.amount,
        "count": entry.count,
        "rule": entry.rule_key,
        "rule_value": entry.rule_value,
        "citation": entry.citation,
        "reason": entry.reason,
        "sanction": entry.sanction,
        "notice": entry.notice,
        "subject": entry.subject_label,
        "corrects": entry.corrects_id,
        "booked_at": entry.created_at.isoformat(),
    }


def _entries(token: ApiToken):
    return PointsEntry.objects.filter(company_id=token.company_id).select_related("person", "unit")


@api.get(
    "/assessment/entries",
    response={200: EntryPage, **ERRORS},
    url_name="assessment_entries",
    summary="Points ledger entries",
)
def entry_list(request, filters: Query[EntryFilter]):
    """ASM-3: the company's ledger entries (append-only; a correction is its own entry), by
    id, at most 100 a page; filter by person and month (assessment:read)."""
    token = _require(request, SCOPE_ASSESSMENT_READ)
    rows = _entries(token).order_by("pk")
    if filters.person is not None:
        rows = rows.filter(person=_person(token, filters.person, where=("query",)))
    month = _month(filters.month, where=("query",))
    if month is not None:
        rows = rows.filter(month=month)
    if filters.after:
        rows = rows.filter(pk__gt=filters.after)
    page = list(rows[: PAGE_LIMIT + 1])
    more = len(page) > PAGE_LIMIT
    page = page[:PAGE_LIMIT]
    return {"items": [_out(e) for e in page], "next_after": page[-1].pk if more else None}


@api.get(
    "/assessment/people/{person}/months/{month}",
    response={200: MonthOut, **ERRORS},
    url_name="assessment_person_month",
    summary="A person's month: base, points, score and every entry",
)
def person_month(request, person: str, month: str):
    """ASM-3: one person's month (assessment:read)."""
    token = _require(request, SCOPE_ASSESSMENT_READ)
    who = _person(token, person, where=("path",))
    day = month_parse(month[:20])
    if day is None:
        raise InvalidInput(BAD_MONTH, field="month", where=("path",))
    summary = month_summary(who, day)
    entries = _entries(token).filter(person=who, month=day).order_by("occurred_at", "pk")
    return {
        "person": who.username,
        "employee_no": who.employee_no,
        "name": who.get_full_name(),
        "month": f"{day:%Y-%m}",
        "base": summary.base,
        "points": summary.points,
        "score": summary.score,
        "amount": summary.amount,
        "entries": [_out(e) for e in entries],
    }


@api.post(
    "/assessment/entries",
    response={201: EntryOut, **ERRORS},
    url_name="assessment_entry_create",
    summary="Record an offence or a daily assessment record",
)
def entry_create(request, payload: EntryIn):
    """ASM-5 / ASM-3: a category A or B offence, or a daily record, for a person of the
    company, by the manager named in `by` (else the token's creator), who must be allowed
    to on the pages: the quality department, or a line manager of the person
    (assessment:write)."""
    token = _require(request, SCOPE_ASSESSMENT_WRITE)
    person = _person(token, payload.person, where=("body", "payload"))
    actor: Person = token.created_by
    if payload.by:
        named = Person.objects.filter(
            company_id=token.company_id, username=_text(payload.by, "by"), is_active=True
        ).first()
        if named is None:
            raise InvalidInput(NO_ACTOR, field="by")
        actor = named
    if payload.kind in (EntryKind.OFFENCE_A, EntryKind.OFFENCE_B):
        entry = offences.offence_record(
            person=person,
            category="a" if payload.kind == EntryKind.OFFENCE_A else "b",
            points=payload.points,
            reason=_text(payload.reason, "reason"),
            actor=actor,
            day=payload.day,
            sanction=_text(payload.sanction, "sanction"),
            notice=payload.notice,
        )
    elif payload.kind == EntryKind.DAILY_RECORD:
        entry = offences.daily_record(
            person=person,
            points=payload.points,
            reason=_text(payload.reason, "reason"),
            actor=actor,
            day=payload.day,
        )
    else:
        raise InvalidInput(BAD_KIND, field="kind")
    return Reply(201, _out(PointsEntry.objects.select_related("person", "unit").get(pk=entry.pk)))
