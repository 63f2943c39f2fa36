"""Writes of the policy app (STD-5): loading the shipped packs, and amending rule values —
an amendment is proposed, reviewed by the quality department and approved by leadership;
only the approval writes a new RuleVersion (through `rule_revise`).

    proposed ──review──▶ reviewed ──approve──▶ approved
       │  └──reject/withdraw──┐     └──reject/withdraw──▶ rejected | withdrawn

Every step is declared in `policy/workflow.py` and checked there (company, state, person), runs
in one transaction, records the step's timeline event (X-1) and notifies the next actor when
the transaction commits (X-3).
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.lib import clock
from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import Step
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person
from pinzhi.orgs.roles import Role
from pinzhi.policy import packs, values
from pinzhi.policy.events import PolicyEvent
from pinzhi.policy.models import (
    BEGINNING,
    LOADED_REASON,
    UPDATED_REASON,
    AmendmentState,
    PolicyPack,
    PolicyStamp,
    Rule,
    RuleAmendment,
    RuleVersion,
)
from pinzhi.policy.selectors import (
    company_pk,
    rule_cache_clear,
    version_in_force,
)
from pinzhi.policy.workflow import AMENDMENT_WORKFLOW
from pinzhi.timeline.services import event_record

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

MSG_TYPE_CHANGED = _(
    "%(source)s: rule %(key)s changes its type or unit from %(old)s to %(new)s. A rule keeps "
    "its type and unit for life, so that old values keep their meaning; give it a new key."
)
MSG_REASON_REQUIRED = _("Say why the value changes.")
MSG_EFFECTIVE_PAST = _(
    "The effective date cannot be in the past: cases already started keep the value that "
    "applied when they started."
)
MSG_EFFECTIVE_TAKEN = _("A value already takes effect at %(when)s; choose another time.")
MSG_UNCHANGED = _("The new value is the same as the value in force at that time.")
MSG_NOTE_REQUIRED = _("Write a review note.")
MSG_REJECT_REASON_REQUIRED = _("Say why the amendment is rejected.")
MSG_APPROVAL_FAILED = _("The amendment cannot take effect: %(error)s")
MSG_NO_COMPANY = _("You belong to no company, so there is no company value for you to amend.")
MSG_EFFECTIVE_NOW = _(
    "The proposed effective date %(when)s had passed at approval; the new value is effective "
    "now instead."
)


class AmendmentError(DomainError):
    """A step of the amendment workflow that is not allowed, with a message for the person
    who tried it: 409 by default (the amendment's state), `INVALID` (422) when input is
    missing or does not fit, with the field it concerns."""

    code = "amendment_refused"
    status = 409


# The status of a refusal for input that is missing or does not fit the rule.
INVALID = 422


def _value_errors(error: ValidationError) -> list[AmendmentError]:
    """A value parser's refusal (`values.normalise`) as errors of the `value` field."""
    return [
        AmendmentError(one.message, field="value", **(one.params or {})) for one in error.error_list
    ]


TITLE_PROPOSED = _("Rule amendment to review: %(key)s")
TITLE_REVIEWED = _("Rule amendment to approve: %(key)s")
TITLE_APPROVED = _("Your rule amendment was approved: %(key)s")
TITLE_REJECTED = _("Your rule amendment was rejected: %(key)s")
TITLE_WITHDRAWN = _("A rule amendment was withdrawn: %(key)s")


TEXT_FIELDS = (
    "requirement_ids",
    "citation_seed",
    "citation_clause",
    "statement",
    "statement_en",
    "name",
    "name_en",
    "template",
    "template_en",
    "is_default",
    "position",
)


def _stamp_bump() -> None:
    """Move the PolicyStamp counter in the caller's transaction, after a version write: every
    process's rule cache sees the change once this commits (the row lock also orders
    concurrent writers, so the counter follows commit order)."""
    if not PolicyStamp.objects.filter(pk=PolicyStamp.SINGLETON).update(counter=F("counter") + 1):
        PolicyStamp.objects.get_or_create(pk=PolicyStamp.SINGLETON, defaults={"counter": 1})
    rule_cache_clear()
    transaction.on_commit(rule_cache_clear)


@dataclass
class LoadReport:
    pack: str
    created: list[str] = field(default_factory=list)
    updated_value: list[str] = field(default_factory=list)
    kept_revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    texts_changed: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated_value or self.texts_changed)

    def __str__(self) -> str:
        return (
            f"{self.pack}: {len(self.created)} new, {len(self.updated_value)} value(s) updated "
            f"from the pack, {len(self.kept_revised)} revised value(s) kept, "
            f"{len(self.unchanged)} unchanged"
        )


@transaction.atomic
def pack_load(*, code: str, directory: Path | None = None) -> LoadReport:
    """Load the shipped pack `code` (DESIGN "Policy, not constants"; STD-5).

    Idempotent: new rules are added, texts and citations follow the pack, and a value is
    taken from the pack only while nobody revised the rule — a value the quality department
    revised is never overwritten. A pack value that changed is a new version effective now,
    so earlier cases keep the old one. Loading is the company adopting the regulation text,
    not an amendment, so it writes directly; when anything changed, one `policy.pack_loaded`
    event on the pack records the report and each changed rule's value and texts before and
    after (X-1), in the same transaction. Raises packs.PackError for a bad pack (nothing is
    written then)."""
    spec = packs.read_pack(code, directory or packs.PACKS_DIR)
    now = clock.now()
    pack, _created = PolicyPack.objects.update_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "name_en": spec.name_en,
            "description": spec.description,
            "loaded_at": now,
        },
    )
    report = LoadReport(pack=spec.code)
    # Only the pack's own versions: each company's values are its own and a load never
    # touches them.
    existing = {
        rule.key: rule
        for rule in pack.rules.prefetch_related(
            Prefetch(
                "versions",
                queryset=RuleVersion.objects.filter(company__isnull=True).order_by(
                    "-effective_from"
                ),
            )
        )
    }
    new_rules: list[tuple[Rule, Any]] = []
    changed_rules: list[Rule] = []
    new_versions: list[RuleVersion] = []
    before: dict[str, Any] = {}
    after: dict[str, dict] = {}
    for position, rule_spec in enumerate(spec.rules, start=1):
        texts = {
            "requirement_ids": " ".join(rule_spec.requirements),
            "citation_seed": rule_spec.seed,
            "citation_clause": rule_spec.clause,
            "statement": rule_spec.statement,
            "statement_en": rule_spec.statement_en,
            "name": rule_spec.name,
            "name_en": rule_spec.name_en,
            "template": rule_spec.template,
            "template_en": rule_spec.template_en,
            "is_default": rule_spec.is_default,
            "position": position,
        }
        rule = existing.get(rule_spec.key)
        if rule is None:
            rule = Rule(
                pack=pack,
                key=rule_spec.key,
                value_type=rule_spec.value_type,
                unit=rule_spec.unit,
                created_at=now,
                updated_at=now,
                **texts,
            )
            new_rules.append((rule, rule_spec.value))
            report.created.append(rule.key)
            before[rule.key] = None
            after[rule.key] = {"value": rule_spec.value, **texts}
            continue
        if (rule.value_type, rule.unit) != (rule_spec.value_type, rule_spec.unit):
            raise packs.PackError(
                MSG_TYPE_CHANGED
                % {
                    "source": f"{code}.yaml",
                    "key": rule.key,
                    "old": f"{rule.value_type}/{rule.unit or '-'}",
                    "new": f"{rule_spec.value_type}/{rule_spec.unit or '-'}",
                }
            )
        versions = list(rule.versions.all())
        old_texts = {name: getattr(rule, name) for name in texts}
        old_value = versions[0].value if versions else None
        if old_texts != texts:
            for name, value in texts.items():
                setattr(rule, name, value)
            rule.updated_at = now
            changed_rules.append(rule)
            report.texts_changed.append(rule.key)
            before[rule.key] = dict(old_texts)
            after[rule.key] = dict(texts)
        if any(not version.from_pack for version in versions):
            report.kept_revised.append(rule.key)
        elif versions and versions[0].value == rule_spec.value:
            report.unchanged.append(rule.key)
        else:
            new_versions.append(
                RuleVersion(
                    rule=rule,
                    value=rule_spec.value,
                    effective_from=max(now, versions[0].effective_from) if versions else BEGINNING,
                    reason=UPDATED_REASON,
                    from_pack=True,
                    created_at=now,
                )
            )
            report.updated_value.append(rule.key)
            before.setdefault(rule.key, {})["value"] = old_value
            after.setdefault(rule.key, {})["value"] = rule_spec.value
    Rule.objects.bulk_create([rule for rule, _value in new_rules])
    new_versions += [
        RuleVersion(
            rule=rule,
            value=value,
            effective_from=BEGINNING,
            reason=LOADED_REASON,
            from_pack=True,
            created_at=now,
        )
        for rule, value in new_rules
    ]
    RuleVersion.objects.bulk_create(new_versions)
    Rule.objects.bulk_update(changed_rules, [*TEXT_FIELDS, "updated_at"])
    if new_versions:
        _stamp_bump()
    if report.changed_anything:
        event_record(
            subject=pack,
            action=PolicyEvent.PACK_LOADED,
            before=before,
            after=after,
            reason=LOADED_REASON,
            data={
                "pack": spec.code,
                "created": report.created,
                "updated_value": report.updated_value,
                "texts_changed": report.texts_changed,
                "kept_revised": report.kept_revised,
                "unchanged": len(report.unchanged),
            },
        )
    return report


def pack_load_all(*, directory: Path | None = None) -> list[LoadReport]:
    """Load every shipped pack; each pack is loaded atomically on its own."""
    return [
        pack_load(code=code, directory=directory)
        for code in packs.available(directory or packs.PACKS_DIR)
    ]


@transaction.atomic
def rule_revise(
    *,
    rule: Rule,
    company: Company | int | None,
    value: Any,
    effective_from: datetime | None,
    author: Person | None,
    reason: str,
) -> RuleVersion:
    """Give `rule` a new value for `company` (a Company, its pk, or None for the pack's
    default that every company without its own value follows) from `effective_from` on (now
    when None) — STD-5.

    Internal: people change a rule through an amendment, and `amendment_approve` calls this;
    no page calls it directly.

    The value is checked against the rule's type (durations positive, ranges min ≤ max,
    percentages 0–100, …); a reason is required; the effective date may be in the future but
    not in the past, and an earlier version is never edited, so a case keeps the value that
    applied when it started. Raises AmendmentError (422) naming each field that is wrong."""
    now = clock.now()
    errors: list[AmendmentError] = []
    stored = None
    try:
        stored = values.normalise(rule.value_type, rule.unit, value)
    except ValidationError as error:
        errors += _value_errors(error)
    reason = (reason or "").strip()
    if not reason:
        errors.append(AmendmentError(MSG_REASON_REQUIRED, field="reason"))
    if effective_from is None:
        effective_from = now
    elif effective_from < now:
        errors.append(AmendmentError(MSG_EFFECTIVE_PAST, field="effective_from"))
    elif RuleVersion.objects.filter(
        rule=rule,
        company_id=company_pk(company),  # type: ignore[misc]  # None: the pack's own
        effective_from=effective_from,
    ).exists():
        errors.append(
            AmendmentError(MSG_EFFECTIVE_TAKEN, field="effective_from", when=effective_from)
        )
    before = _current_value(rule, company, effective_from)
    if not errors and before == stored:
        errors.append(AmendmentError(MSG_UNCHANGED, field="value"))
    if errors:
        raise AmendmentError.several(errors, status=INVALID)
    version = RuleVersion.objects.create(
        rule=rule,
        company_id=company_pk(company),
        value=stored,
        effective_from=effective_from,
        author=author,
        reason=reason,
        from_pack=False,
        created_at=now,
    )
    _stamp_bump()
    _record_event(rule=rule, version=version, author=author, before=before, reason=reason)
    return version


def _current_value(rule: Rule, company: Company | int | None, at: datetime) -> Any:
    """The stored value of `rule` in force for `company` at `at` (None before any)."""
    versions = list(rule.versions.filter(effective_from__lte=at))
    version = version_in_force(versions, at, company=company)
    return None if version is None else version.value


def _record_event(
    *, rule: Rule, version: RuleVersion, author: Person | None, before: Any, reason: str
) -> None:
    """Write the revision to the timeline (X-1), in the same transaction, in the log of the
    company whose value it is."""
    event_record(
        subject=rule,
        company=version.company_id,
        action=PolicyEvent.RULE_REVISED,
        actor=author,
        before={"value": before},
        after={"value": version.value, "effective_from": version.effective_from.isoformat()},
        reason=reason,
    )


# --- amendments (STD-5) ----------------------------------------------------------------------


def _step(amendment: RuleAmendment | None, name: str, person: Person) -> Step:
    """Check step `name` of the declared workflow (policy/workflow.py): the amendment's
    company, its state and the person's role. Raises an AmendmentError saying which."""
    return AMENDMENT_WORKFLOW.check(amendment, name, person)


def _lock(amendment: RuleAmendment) -> RuleAmendment:
    """Re-read the amendment under a row lock so two people cannot race one transition."""
    return (
        RuleAmendment.objects.select_for_update()
        .select_related("rule", "rule__pack")
        .get(pk=amendment.pk)
    )


def _people_with(
    role: str, *, company_id: int | None, exclude: Person | None = None
) -> list[Person]:
    """The active people of `company_id` with `role`; for an amendment of the pack's default
    (no company), the operators (superusers)."""
    if company_id is None:
        people = Person.objects.filter(is_active=True, is_superuser=True)
    else:
        people = Person.objects.filter(
            is_active=True, role_assignments__role=role, company_id=company_id
        )
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people.distinct())


def _amendment_snapshot(amendment: RuleAmendment) -> dict[str, Any]:
    return {
        "state": amendment.state,
        "value": amendment.value,
        "effective_from": (
            amendment.effective_from.isoformat() if amendment.effective_from else None
        ),
    }


def _amendment_event(
    amendment: RuleAmendment,
    event: str,
    actor: Person,
    *,
    before: Any = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    event_record(
        subject=amendment,
        company=amendment.company_id,
        action=event,
        actor=actor,
        before=before,
        after=_amendment_snapshot(amendment),
        reason=reason,
        data={"rule": amendment.rule.key, "pack": amendment.rule.pack.code, **(data or {})},
    )


def _notify_later(
    amendment: RuleAmendment, *, recipients: list[Person], kind: str, title: "StrPromise"
) -> None:
    """Notify once the transaction commits (X-3): a rolled-back step tells nobody."""
    if not recipients:
        return
    rule = amendment.rule
    kwargs: dict[str, Any] = {
        "recipients": recipients,
        "kind": f"policy.amendment_{kind}",
        # The rule's name and how it would read, never its internal key (issue 8 item 6).
        "title": str(title % {"key": rule.display_name}),
        "body": rule.statement_with(amendment.display_value),
        "url": reverse("policy:detail", args=[rule.pk]),
        "subject": amendment,
    }
    transaction.on_commit(lambda: notify(**kwargs))


@transaction.atomic
def amendment_propose(
    *, rule: Rule, value: Any, effective_from: datetime | None, reason: str, proposed_by: Person
) -> RuleAmendment:
    """Propose a new value of `rule` (STD-5, 001 第八章 / 000 十、制度改进). Anyone of the
    quality department, a department manager or a member of the quality committee proposes;
    nothing changes until leadership approves. `effective_from` None means "as soon as it is
    approved"; otherwise it may not be in the past. The value is checked against the rule's
    type now, so reviewers only see values that could take effect. Raises AmendmentError:
    422 naming each field that is wrong, 409 or 403 when the person may not propose."""
    step = _step(None, "propose", proposed_by)
    if proposed_by.company_id is None and not proposed_by.is_superuser:
        raise AmendmentError(MSG_NO_COMPANY)
    # An operator amends the pack's default, whatever company the account is filed under.
    company_id = None if proposed_by.is_superuser else proposed_by.company_id
    now = clock.now()
    errors: list[AmendmentError] = []
    stored = None
    try:
        stored = values.normalise(rule.value_type, rule.unit, value)
    except ValidationError as error:
        errors += _value_errors(error)
    reason = (reason or "").strip()
    if not reason:
        errors.append(AmendmentError(MSG_REASON_REQUIRED, field="reason"))
    if effective_from is not None and effective_from < now:
        errors.append(AmendmentError(MSG_EFFECTIVE_PAST, field="effective_from"))
    in_force = _current_value(rule, company_id, effective_from or now)
    if not any(error.field == "value" for error in errors) and in_force == stored:
        errors.append(AmendmentError(MSG_UNCHANGED, field="value"))
    if errors:
        raise AmendmentError.several(errors, status=INVALID)
    amendment = RuleAmendment.objects.create(
        rule=rule,
        company_id=company_id,
        value=stored,
        effective_from=effective_from,
        reason=reason,
        proposed_by=proposed_by,
        proposed_at=now,
        state=AmendmentState.PROPOSED,
    )
    _amendment_event(
        amendment,
        step.event,
        proposed_by,
        before={"value": in_force},
        reason=reason,
    )
    _notify_later(
        amendment,
        recipients=_people_with(
            Role.QUALITY_DEPARTMENT, company_id=company_id, exclude=proposed_by
        ),
        kind="proposed",
        title=TITLE_PROPOSED,
    )
    return amendment


@transaction.atomic
def amendment_review(*, amendment: RuleAmendment, reviewer: Person, note: str) -> RuleAmendment:
    """The quality department reviews a proposed amendment (STD-5) with a note, and passes it
    to leadership for approval. Raises AmendmentError for a wrong state or person, and
    (422) without a note."""
    amendment = _lock(amendment)
    step = _step(amendment, "review", reviewer)
    note = (note or "").strip()
    if not note:
        raise AmendmentError(MSG_NOTE_REQUIRED, field="note", status=INVALID)
    before = _amendment_snapshot(amendment)
    amendment.state = AmendmentState.REVIEWED
    amendment.reviewed_by = reviewer
    amendment.reviewed_at = clock.now()
    amendment.review_note = note
    amendment.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_note"])
    _amendment_event(amendment, step.event, reviewer, before=before, reason=note)
    _notify_later(
        amendment,
        recipients=_people_with(Role.LEADERSHIP, company_id=amendment.company_id, exclude=reviewer),
        kind="reviewed",
        title=TITLE_REVIEWED,
    )
    return amendment


@dataclass
class Approval:
    amendment: RuleAmendment
    version: RuleVersion
    # True when the proposed effective date had passed and the value took effect now.
    moved_to_now: bool


@transaction.atomic
def amendment_approve(*, amendment: RuleAmendment, approver: Person) -> Approval:
    """Leadership approves a reviewed amendment (STD-5): only now is the new RuleVersion
    written (through `rule_revise`, so lookups by time keep working). The value takes effect
    at the proposed date when that is still ahead; when it has passed, it takes effect now
    and the result says so (a case already started keeps the value of its start). Raises
    AmendmentError for a wrong state or person, or when the value can no longer be applied
    (another amendment gave the same value meanwhile)."""
    amendment = _lock(amendment)
    step = _step(amendment, "approve", approver)
    now = clock.now()
    proposed = amendment.effective_from
    moved_to_now = proposed is not None and proposed < now
    effective_from = None if proposed is None or moved_to_now else proposed
    try:
        version = rule_revise(
            rule=amendment.rule,
            company=amendment.company_id,
            value=amendment.value,
            effective_from=effective_from,
            author=amendment.proposed_by,
            reason=amendment.reason,
        )
    except AmendmentError as error:
        # Not the approver's input: the amendment's value no longer applies (409).
        raise AmendmentError(MSG_APPROVAL_FAILED, error=error) from None
    before = _amendment_snapshot(amendment)
    amendment.state = AmendmentState.APPROVED
    amendment.decided_by = approver
    amendment.decided_at = now
    amendment.version = version
    if moved_to_now:
        amendment.decision_reason = str(
            MSG_EFFECTIVE_NOW % {"when": f"{timezone.localtime(proposed):%Y-%m-%d %H:%M}"}
        )
    amendment.save(
        update_fields=["state", "decided_by", "decided_at", "version", "decision_reason"]
    )
    _amendment_event(
        amendment,
        step.event,
        approver,
        before=before,
        reason=amendment.decision_reason,
        data={
            "version": version.pk,
            "effective_from": version.effective_from.isoformat(),
            "moved_to_now": moved_to_now,
        },
    )
    _notify_later(
        amendment,
        recipients=[amendment.proposed_by] if amendment.proposed_by != approver else [],
        kind="approved",
        title=TITLE_APPROVED,
    )
    return Approval(amendment=amendment, version=version, moved_to_now=moved_to_now)


@transaction.atomic
def amendment_reject(*, amendment: RuleAmendment, person: Person, reason: str) -> RuleAmendment:
    """Reject an open amendment with a reason (STD-5): the quality department before its
    review, leadership after it (a superuser at any point). The proposer is told. Raises
    AmendmentError for a wrong state or person, and (422) without a reason."""
    amendment = _lock(amendment)
    step = _step(amendment, "reject", person)
    reason = (reason or "").strip()
    if not reason:
        raise AmendmentError(MSG_REJECT_REASON_REQUIRED, field="reason", status=INVALID)
    before = _amendment_snapshot(amendment)
    amendment.state = AmendmentState.REJECTED
    amendment.decided_by = person
    amendment.decided_at = clock.now()
    amendment.decision_reason = reason
    amendment.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    _amendment_event(amendment, step.event, person, before=before, reason=reason)
    _notify_later(
        amendment,
        recipients=[amendment.proposed_by] if amendment.proposed_by != person else [],
        kind="rejected",
        title=TITLE_REJECTED,
    )
    return amendment


@transaction.atomic
def amendment_withdraw(
    *, amendment: RuleAmendment, person: Person, reason: str = ""
) -> RuleAmendment:
    """The proposer withdraws their open amendment (STD-5); whoever was to act next (the
    quality department before the review, leadership after it) is told."""
    amendment = _lock(amendment)
    step = _step(amendment, "withdraw", person)
    waiting_for = (
        Role.QUALITY_DEPARTMENT if amendment.state == AmendmentState.PROPOSED else Role.LEADERSHIP
    )
    before = _amendment_snapshot(amendment)
    amendment.state = AmendmentState.WITHDRAWN
    amendment.decided_by = person
    amendment.decided_at = clock.now()
    amendment.decision_reason = (reason or "").strip()
    amendment.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    _amendment_event(amendment, step.event, person, before=before, reason=amendment.decision_reason)
    _notify_later(
        amendment,
        recipients=_people_with(waiting_for, company_id=amendment.company_id, exclude=person),
        kind="withdrawn",
        title=TITLE_WITHDRAWN,
    )
    return amendment
