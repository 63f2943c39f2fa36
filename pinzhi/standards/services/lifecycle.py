"""The catalogue (STD-1) and a standard's life (STD-2)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from django.db import IntegrityError, transaction

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.services import deadline_cancel, deadline_meet, deadline_open_for_rule
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.orgs.roles import Role
from pinzhi.policy.packs import source_text
from pinzhi.policy.selectors import rule_value
from pinzhi.standards.events import StandardEvent
from pinzhi.standards.models import (
    Category,
    CommentSource,
    ServiceCommitment,
    ServiceItem,
    Standard,
    StandardComment,
    StandardStatus,
    StandardVersion,
    VersionState,
)
from pinzhi.standards.services.common import (
    DATA_DIR,
    ESCALATION_RULE,
    MSG_CATEGORY,
    MSG_CODE_TAKEN,
    MSG_COMMENT_TEXT,
    MSG_COMMENT_WHO,
    MSG_ITEM_OTHER_COMPANY,
    MSG_NO_CATALOGUE,
    MSG_ONLY_DRAFT_EDITED,
    MSG_OPEN_VERSION,
    MSG_REASON,
    MSG_UNIT_OTHER_COMPANY,
    MSG_WITHDRAWN_STANDARD,
    REVIEW_KIND,
    REVIEW_RULE,
    StandardError,
    _check_code,
    _check_dimension,
    _event,
    _locked,
    _pack_of,
    _refresh,
    _required,
)
from pinzhi.standards.workflow import STANDARD_WORKFLOW
from pinzhi.timeline.services import event_record

# --- the catalogue (STD-1) -----------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    items: list[ServiceItem]
    standards: list[Standard]


def catalogue_data(pack: str) -> dict[str, Any]:
    """The catalogue shipped for `pack` (`standards/data/<pack>.yaml`)."""
    path = DATA_DIR / f"{pack}.yaml"
    if not pack.isidentifier() or not path.is_file():
        raise StandardError(MSG_NO_CATALOGUE, field="pack", status=404, pack=pack)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@transaction.atomic
def catalogue_install_pack(
    *, company: Company, pack: str | None = None, actor: Person | None = None
) -> Installed:
    """STD-1: install the catalogue of `pack` (default: the company's) for `company`: its
    service items and their measurable standards, each of one dimension, published as
    version 1 with the clause it comes from, its review tracked as a deadline. Idempotent:
    a code the company already has is left as it is (its own changes are kept)."""
    pack = pack or _pack_of(company)
    data = catalogue_data(pack)
    at = now()
    items, standards = [], []
    for entry in data.get("items", []):
        item, created = ServiceItem.objects.get_or_create(
            company=company,
            code=entry["code"],
            defaults={
                "name": entry["name"],
                "category": entry["category"],
                "description": entry.get("description", ""),
            },
        )
        if created:
            items.append(item)
        existing = set(Standard.objects.filter(company=company).values_list("code", flat=True))
        for row in entry.get("standards", []):
            if row["code"] in existing:
                continue
            source = row.get("source") or {}
            standard = Standard.objects.create(
                company=company,
                item=item,
                code=row["code"],
                title=row["title"],
                requirement=row["requirement"],
                dimension=row["dimension"],
                measure=row.get("measure", ""),
                rule_key=row.get("rule", ""),
                source=source_text(source["seed"], source["clause"]) if source else "",
                status=StandardStatus.PUBLISHED,
            )
            version = StandardVersion.objects.create(
                standard=standard,
                number=1,
                title=standard.title,
                requirement=standard.requirement,
                dimension=standard.dimension,
                measure=standard.measure,
                state=VersionState.PUBLISHED,
                drafted_by=actor,
                drafted_at=at,
                published_by=actor,
                published_at=at,
            )
            _review_open(standard, version, actor=actor, start=at)
            version.save(update_fields=["review_due"])
            _event(
                standard,
                StandardEvent.PUBLISHED,
                actor=actor,
                version=version,
                review_due=version.review_due.isoformat() if version.review_due else None,
            )
            standards.append(standard)
    for entry in data.get("commitments", []):
        if not ServiceCommitment.objects.filter(company=company, post_name=entry["post"]).exists():
            ServiceCommitment.objects.create(
                company=company,
                post_name=entry["post"],
                text="\n".join(entry["lines"]),
                created_by=actor,
                created_at=at,
            )
    if items or standards:
        event_record(
            subject=company,
            action=StandardEvent.CATALOGUE_INSTALLED,
            actor=actor,
            data={"pack": pack, "items": len(items), "standards": len(standards)},
        )
    return Installed(items=items, standards=standards)


@transaction.atomic
def service_item_create(
    *,
    company: Company,
    code: str,
    name: str,
    category: str,
    description: str = "",
    actor: Person | None = None,
) -> ServiceItem:
    """STD-1: a service item of the company's catalogue."""
    code = _check_code(code)
    _required(name=name)
    if category not in Category.values:
        raise StandardError(MSG_CATEGORY, field="category", status=422)
    if ServiceItem.objects.filter(company=company, code=code).exists():
        raise StandardError(MSG_CODE_TAKEN, field="code", status=422, taken=code)
    return ServiceItem.objects.create(
        company=company,
        code=code,
        name=name.strip(),
        category=category,
        description=description.strip(),
    )


# --- a standard's life (STD-2) -------------------------------------------------------------


@transaction.atomic
def standard_draft(
    *,
    item: ServiceItem,
    code: str,
    title: str,
    requirement: str,
    dimension: str,
    measure: str = "",
    change_note: str = "",
    actor: Person,
) -> StandardVersion:
    """STD-2: the working group drafts a new standard: the standard (not yet in force) and
    its version 1, a draft."""
    STANDARD_WORKFLOW.check(None, "draft", actor)
    if not actor.is_superuser and actor.company_id != item.company_id:
        raise StandardError(MSG_ITEM_OTHER_COMPANY, field="item", status=403)
    code = _check_code(code)
    _required(title=title, requirement=requirement)
    _check_dimension(dimension)
    if Standard.objects.filter(company_id=item.company_id, code=code).exists():
        raise StandardError(MSG_CODE_TAKEN, field="code", status=422, taken=code)
    try:
        with transaction.atomic():
            standard = Standard.objects.create(
                company_id=item.company_id,
                item=item,
                code=code,
                title=title.strip(),
                requirement=requirement.strip(),
                dimension=dimension,
                measure=measure.strip(),
                status=StandardStatus.DRAFT,
            )
    except IntegrityError:
        raise StandardError(MSG_CODE_TAKEN, field="code", status=422, taken=code) from None
    version = StandardVersion.objects.create(
        standard=standard,
        number=1,
        title=standard.title,
        requirement=standard.requirement,
        dimension=dimension,
        measure=standard.measure,
        change_note=change_note.strip(),
        drafted_by=actor,
        drafted_at=now(),
    )
    _event(standard, StandardEvent.DRAFTED, actor=actor, version=version)
    return version


@transaction.atomic
def standard_revise(
    *,
    standard: Standard,
    title: str,
    requirement: str,
    dimension: str,
    measure: str = "",
    change_note: str = "",
    actor: Person,
) -> StandardVersion:
    """STD-2: a published standard is changed by a new version (a draft that goes through
    the same steps); the version in force stays in force until the new one is published.
    One version at a time is worked on."""
    STANDARD_WORKFLOW.check(None, "draft", actor)
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if not actor.is_superuser and actor.company_id != standard.company_id:
        raise StandardError(MSG_ITEM_OTHER_COMPANY, status=403)
    if standard.status == StandardStatus.WITHDRAWN:
        raise StandardError(MSG_WITHDRAWN_STANDARD)
    _required(title=title, requirement=requirement)
    _check_dimension(dimension)
    open_version = standard.versions.filter(state__in=OPEN_STATES).first()
    if open_version is not None:
        raise StandardError(
            MSG_OPEN_VERSION,
            number=open_version.number,
            standard=standard.code,
            state=open_version.get_state_display(),
        )
    last = standard.versions.order_by("-number").first()
    version = StandardVersion.objects.create(
        standard=standard,
        number=(last.number if last else 0) + 1,
        title=title.strip(),
        requirement=requirement.strip(),
        dimension=dimension,
        measure=measure.strip(),
        change_note=change_note.strip(),
        drafted_by=actor,
        drafted_at=now(),
    )
    _event(standard, StandardEvent.DRAFTED, actor=actor, version=version)
    return version


OPEN_STATES = (
    VersionState.DRAFT,
    VersionState.CONSULTATION,
    VersionState.SUBMITTED,
    VersionState.APPROVED,
)


@transaction.atomic
def version_edit(
    *,
    version: StandardVersion,
    title: str,
    requirement: str,
    dimension: str,
    measure: str = "",
    change_note: str = "",
    actor: Person,
) -> StandardVersion:
    """STD-2: the working group edits its draft (never a version out for comments or later:
    what people commented on and what leadership approved stays as it was)."""
    locked = _locked(version)
    STANDARD_WORKFLOW.check(locked, "open_comments", actor)  # the draft's people and state
    if locked.state != VersionState.DRAFT:
        raise StandardError(MSG_ONLY_DRAFT_EDITED, state=locked.get_state_display())
    _required(title=title, requirement=requirement)
    _check_dimension(dimension)
    locked.title = title.strip()
    locked.requirement = requirement.strip()
    locked.dimension = dimension
    locked.measure = measure.strip()
    locked.change_note = change_note.strip()
    locked.save()
    if locked.number == 1 and locked.standard.status == StandardStatus.DRAFT:
        Standard.objects.filter(pk=locked.standard_id).update(
            title=locked.title,
            requirement=locked.requirement,
            dimension=locked.dimension,
            measure=locked.measure,
        )
    return _refresh(version, locked)


@transaction.atomic
def version_open_comments(*, version: StandardVersion, actor: Person) -> StandardVersion:
    """STD-2: the draft goes out for comments from the departments and the users."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "open_comments", actor)
    locked.state = VersionState.CONSULTATION
    locked.consultation_opened_at = now()
    locked.save(update_fields=["state", "consultation_opened_at"])
    _event(locked.standard, step.event, actor=actor, version=locked)
    return _refresh(version, locked)


@transaction.atomic
def version_comment(
    *,
    version: StandardVersion,
    actor: Person,
    text: str,
    source: str = CommentSource.DEPARTMENT,
    unit: Unit | None = None,
    commenter_name: str = "",
) -> StandardComment:
    """STD-2: a comment on a draft out for comments — a department's (the commenter's own
    unit unless another is named) or a user's, written down with the user's name by the
    person who collected it."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "comment", actor)
    text = (text or "").strip()
    if not text:
        raise StandardError(MSG_COMMENT_TEXT, field="text", status=422)
    if source not in CommentSource.values:
        source = CommentSource.DEPARTMENT
    if unit is not None and unit.company_id != locked.standard.company_id:
        raise StandardError(MSG_UNIT_OTHER_COMPANY, field="unit", status=422)
    commenter_name = (commenter_name or "").strip()
    if source == CommentSource.DEPARTMENT:
        unit = unit or getattr(actor, "unit", None)
        if unit is None and not commenter_name:
            raise StandardError(MSG_COMMENT_WHO, field="unit", status=422)
    elif not commenter_name:
        raise StandardError(MSG_COMMENT_WHO, field="commenter_name", status=422)
    comment = StandardComment.objects.create(
        version=locked,
        source=source,
        unit=unit if source == CommentSource.DEPARTMENT else None,
        commenter_name=commenter_name,
        text=text,
        author=actor,
        created_at=now(),
    )
    _event(locked.standard, step.event, actor=actor, version=locked, source=source)
    return comment


@transaction.atomic
def version_submit(*, version: StandardVersion, actor: Person) -> StandardVersion:
    """STD-2: the quality department submits the commented draft to leadership (refused
    while no comment is recorded)."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "submit", actor)
    locked.state = VersionState.SUBMITTED
    locked.submitted_at = now()
    locked.save(update_fields=["state", "submitted_at"])
    _event(locked.standard, step.event, actor=actor, version=locked)
    return _refresh(version, locked)


@transaction.atomic
def version_return(*, version: StandardVersion, actor: Person, reason: str) -> StandardVersion:
    """STD-2: leadership returns the draft to the working group, saying what must change."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "return_draft", actor)
    reason = (reason or "").strip()
    if not reason:
        raise StandardError(MSG_REASON, field="reason", status=422)
    locked.state = VersionState.DRAFT
    locked.submitted_at = None
    locked.save(update_fields=["state", "submitted_at"])
    _event(locked.standard, step.event, actor=actor, version=locked, reason=reason)
    return _refresh(version, locked)


@transaction.atomic
def version_approve(*, version: StandardVersion, actor: Person) -> StandardVersion:
    """STD-2: leadership approves the version (经主管单位审批)."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "approve", actor)
    locked.state = VersionState.APPROVED
    locked.approved_by = actor
    locked.approved_at = now()
    locked.save(update_fields=["state", "approved_by", "approved_at"])
    _event(locked.standard, step.event, actor=actor, version=locked)
    return _refresh(version, locked)


def _review_deadline(standard: Standard) -> Deadline | None:
    return (
        deadlines_for(standard)
        .filter(kind=REVIEW_KIND, state__in=[Deadline.State.OPEN, Deadline.State.BREACHED])
        .first()
    )


def _review_open(
    standard: Standard, version: StandardVersion, *, actor: Person | None, start: datetime
) -> Deadline:
    """The next review of `version`: due after the pack's review period, owned by the
    quality department, reported to leadership when overdue by the escalation rule."""
    company = standard.company
    pack = _pack_of(company)
    escalate_after = rule_value(ESCALATION_RULE, pack=pack, company=company, at=start)
    deadline = deadline_open_for_rule(
        subject=standard,
        kind=REVIEW_KIND,
        rule_key=REVIEW_RULE,
        pack=pack,
        start=start,
        ladder=[{"after": escalate_after, "level": "leadership"}],
        owner_role=Role.QUALITY_DEPARTMENT,
        actor=actor,
    )
    version.review_due = deadline.due_at
    return deadline


@transaction.atomic
def version_publish(*, version: StandardVersion, actor: Person) -> StandardVersion:
    """STD-2: the approved version is published: it becomes the standard in force (the one
    before it is superseded, kept readable), and its review is due after the review period
    (a deadline that escalates to leadership)."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "publish", actor)
    at = now()
    standard = Standard.objects.select_for_update().get(pk=locked.standard_id)
    previous = standard.versions.filter(state=VersionState.PUBLISHED).first()
    if previous is not None:
        previous.state = VersionState.SUPERSEDED
        previous.ended_at = at
        previous.save(update_fields=["state", "ended_at"])
    open_review = _review_deadline(standard)
    if open_review is not None:
        deadline_meet(deadline=open_review, at=at, actor=actor)
    locked.state = VersionState.PUBLISHED
    locked.published_by = actor
    locked.published_at = at
    _review_open(standard, locked, actor=actor, start=at)
    locked.save(update_fields=["state", "published_by", "published_at", "review_due"])
    standard.title = locked.title
    standard.requirement = locked.requirement
    standard.dimension = locked.dimension
    standard.measure = locked.measure
    standard.status = StandardStatus.PUBLISHED
    standard.save(update_fields=["title", "requirement", "dimension", "measure", "status"])
    _event(
        standard,
        step.event,
        actor=actor,
        version=locked,
        review_due=locked.review_due.isoformat() if locked.review_due else None,
        superseded=previous.number if previous else None,
    )
    return _refresh(version, locked)


@transaction.atomic
def version_review(*, version: StandardVersion, actor: Person, note: str = "") -> StandardVersion:
    """STD-2: the periodic review confirms the version in force: its review deadline is met
    and the next one opened from today."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "review", actor)
    at = now()
    standard = locked.standard
    open_review = _review_deadline(standard)
    if open_review is not None:
        deadline_meet(deadline=open_review, at=at, actor=actor)
    locked.reviewed_at = at
    _review_open(standard, locked, actor=actor, start=at)
    locked.save(update_fields=["reviewed_at", "review_due"])
    _event(
        standard,
        step.event,
        actor=actor,
        version=locked,
        reason=(note or "").strip(),
        review_due=locked.review_due.isoformat() if locked.review_due else None,
    )
    return _refresh(version, locked)


@transaction.atomic
def version_withdraw(*, version: StandardVersion, actor: Person, reason: str) -> StandardVersion:
    """STD-2: a version is withdrawn (废止); when it was the one in force, the standard is no
    longer in force and its review is cancelled. A withdrawn draft leaves the version in
    force as it was."""
    locked = _locked(version)
    step = STANDARD_WORKFLOW.check(locked, "withdraw", actor)
    reason = (reason or "").strip()
    if not reason:
        raise StandardError(MSG_REASON, field="reason", status=422)
    was_published = locked.state == VersionState.PUBLISHED
    locked.state = VersionState.WITHDRAWN
    locked.ended_at = now()
    locked.end_reason = reason
    locked.save(update_fields=["state", "ended_at", "end_reason"])
    standard = locked.standard
    if was_published:
        standard.status = StandardStatus.WITHDRAWN
        standard.save(update_fields=["status"])
        open_review = _review_deadline(standard)
        if open_review is not None:
            deadline_cancel(deadline=open_review, reason=reason, actor=actor)
    elif not standard.versions.exclude(state=VersionState.WITHDRAWN).exists():
        standard.status = StandardStatus.WITHDRAWN
        standard.save(update_fields=["status"])
    _event(standard, step.event, actor=actor, version=locked, reason=reason)
    return _refresh(version, locked)
