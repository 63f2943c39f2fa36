"""Writes of the policy app: loading the shipped packs and revising rule values (STD-5)."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from pinzhi.lib import clock
from pinzhi.policy import packs, values
from pinzhi.policy.models import (
    BEGINNING,
    LOADED_REASON,
    UPDATED_REASON,
    PolicyPack,
    Rule,
    RuleVersion,
)
from pinzhi.policy.selectors import rule_cache_clear
from pinzhi.timeline.services import event_record

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


TEXT_FIELDS = (
    "requirement_ids",
    "citation_seed",
    "citation_clause",
    "statement",
    "statement_en",
    "is_default",
    "position",
)


@dataclass
class LoadReport:
    pack: str
    created: list[str] = field(default_factory=list)
    updated_value: list[str] = field(default_factory=list)
    kept_revised: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

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
    so earlier cases keep the old one. Raises packs.PackError for a bad pack (nothing is
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
    existing = {
        rule.key: rule
        for rule in pack.rules.prefetch_related(
            Prefetch("versions", queryset=RuleVersion.objects.order_by("-effective_from"))
        )
    }
    new_rules: list[tuple[Rule, Any]] = []
    changed_rules: list[Rule] = []
    new_versions: list[RuleVersion] = []
    for position, rule_spec in enumerate(spec.rules, start=1):
        texts = {
            "requirement_ids": " ".join(rule_spec.requirements),
            "citation_seed": rule_spec.seed,
            "citation_clause": rule_spec.clause,
            "statement": rule_spec.statement,
            "statement_en": rule_spec.statement_en,
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
        if any(getattr(rule, name) != value for name, value in texts.items()):
            for name, value in texts.items():
                setattr(rule, name, value)
            rule.updated_at = now
            changed_rules.append(rule)
        versions = list(rule.versions.all())
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
    rule_cache_clear()
    transaction.on_commit(rule_cache_clear)
    return report


def pack_load_all(*, directory: Path | None = None) -> list[LoadReport]:
    """Load every shipped pack; each pack is loaded atomically on its own."""
    return [
        pack_load(code=code, directory=directory)
        for code in packs.available(directory or packs.PACKS_DIR)
    ]


@transaction.atomic
def rule_revise(
    *, rule: Rule, value: Any, effective_from: datetime | None, author, reason: str
) -> RuleVersion:
    """Give `rule` a new value from `effective_from` on (now when None) — STD-5.

    The value is checked against the rule's type (durations positive, ranges min ≤ max,
    percentages 0–100, …); a reason is required; the effective date may be in the future but
    not in the past, and an earlier version is never edited, so a case keeps the value that
    applied when it started. Raises ValidationError keyed by field."""
    now = clock.now()
    errors: dict[str, list] = {}
    try:
        stored = values.normalise(rule.value_type, rule.unit, value)
    except ValidationError as error:
        errors["value"] = error.messages
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [MSG_REASON_REQUIRED]
    if effective_from is None:
        effective_from = now
    elif effective_from < now:
        errors["effective_from"] = [MSG_EFFECTIVE_PAST]
    elif RuleVersion.objects.filter(rule=rule, effective_from=effective_from).exists():
        errors["effective_from"] = [MSG_EFFECTIVE_TAKEN % {"when": effective_from}]
    if not errors:
        in_force = (
            RuleVersion.objects.filter(rule=rule, effective_from__lte=effective_from)
            .order_by("-effective_from")
            .first()
        )
        if in_force is not None and in_force.value == stored:
            errors["value"] = [MSG_UNCHANGED]
    if errors:
        raise ValidationError(errors)
    before = _current_value(rule, effective_from)
    version = RuleVersion.objects.create(
        rule=rule,
        value=stored,
        effective_from=effective_from,
        author=author,
        reason=reason,
        from_pack=False,
        created_at=now,
    )
    rule_cache_clear()
    transaction.on_commit(rule_cache_clear)
    _record_event(rule=rule, version=version, author=author, before=before, reason=reason)
    return version


def _current_value(rule: Rule, at: datetime) -> Any:
    version = rule.versions.filter(effective_from__lte=at).order_by("-effective_from").first()
    return None if version is None else version.value


def _record_event(*, rule: Rule, version: RuleVersion, author, before, reason: str) -> None:
    """Write the revision to the timeline (X-1), in the same transaction."""
    event_record(
        subject=rule,
        action="policy.rule_revised",
        actor=author,
        before={"value": before},
        after={"value": version.value, "effective_from": version.effective_from.isoformat()},
        reason=reason,
    )
