"""Checklist templates (巡检表) and their versions: the builder's services and reads (INS-4).

A template has versions. A draft is edited item by item (add, edit, move, remove); publishing
freezes it, retires the version published before it, and new inspections use it; a completed
inspection keeps the version it used for ever (its items never change again). A new draft is a
copy of the latest version. The seeds' templates are installed per policy pack from
`inspections/data/<pack>.yaml` (`checklists_install_pack`), published as version 1, once.

Every item is checked here, so that the builder's form, the Excel import and the API refuse
the same item with the same reason: a code unique in its version, a weight above 0, a pass
score not above the maximum score, a follow-up's parent an item of the same version that is not
itself a follow-up, a standard of the company's own catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.events import ChecklistEvent
from pinzhi.inspections.models import Cadence, ChecklistItem, ChecklistTemplate, TemplateVersion
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.lib.workflow import Roles, Step, Workflow
from pinzhi.orgs.models import Company, Person
from pinzhi.orgs.roles import Role
from pinzhi.standards.models import Standard
from pinzhi.timeline.services import event_record

DATA = Path(__file__).resolve().parent / "data"
Status = TemplateVersion.Status
Scoring = ChecklistItem.Scoring

# Who builds and publishes checklists; who reads them (ORG-2).
BUILDERS = frozenset({Role.QUALITY_DEPARTMENT})
READERS = frozenset(
    {
        Role.QUALITY_DEPARTMENT,
        Role.LEADERSHIP,
        Role.QUALITY_COMMITTEE,
        Role.DEPARTMENT_MANAGER,
        Role.SUPERVISOR,
        Role.UNIT_QUALITY_ADMIN,
        Role.INSPECTOR,
    }
)

ITEM_FIELDS = (
    "section",
    "code",
    "text",
    "help_text",
    "standard",
    "weight",
    "scoring",
    "max_score",
    "pass_score",
    "allow_na",
    "critical",
    "photo_on_failure",
    "follow_up_of",
)


class ChecklistError(DomainError):
    """A checklist change the template's state or the item's data does not allow."""

    code = "checklist_refused"
    status = 409


NOT_A_DRAFT = _(
    "Version %(number)s is %(state)s and can no longer be changed; start a new draft to change "
    "the checklist."
)
CODE_REQUIRED = _("Give the item a code (e.g. A1).")
CODE_TAKEN = _("Another item of this version already has the code %(item_code)s.")
TEXT_REQUIRED = _("Write what is checked.")
WEIGHT_POSITIVE = _("The weight must be a number greater than 0.")
SCORING_UNKNOWN = _("Scoring is either pass / fail or a score from 0 to N.")
MAX_SCORE_MIN = _("An item scored 0…N needs a maximum score of at least 1.")
PASS_SCORE_ABOVE_MAX = _(
    "The pass score (%(pass_score)s) cannot be above the maximum score (%(max_score)s)."
)
PARENT_OTHER_VERSION = _("A follow-up item's main item must be an item of the same version.")
PARENT_SELF = _("An item cannot be a follow-up of itself.")
PARENT_IS_FOLLOW_UP = _(
    "Item %(item_code)s is itself a follow-up item; a follow-up belongs to a main item."
)
HAS_FOLLOW_UPS = _(
    "This item has follow-up items (%(codes)s), so it cannot become a follow-up itself."
)
STANDARD_OTHER_COMPANY = _("Choose a standard of your company's catalogue.")
REMOVE_HAS_FOLLOW_UPS = _(
    "Item %(item_code)s has follow-up items (%(codes)s): remove them or attach them to another "
    "item first."
)
PUBLISH_EMPTY = _("A checklist without items cannot be published: add at least one item.")
DRAFT_EXISTS = _("Version %(number)s is already a draft of this checklist: continue editing it.")
TEMPLATE_CODE_REQUIRED = _("Give the checklist a code.")
TEMPLATE_NAME_REQUIRED = _("Give the checklist a name.")
TEMPLATE_CODE_TAKEN = _("Another checklist of your company already has the code %(template_code)s.")
PASS_PERCENT_RANGE = _("The pass mark is a percentage from 0 to 100.")
CADENCE_UNKNOWN = _("Choose how often the check is made.")
NOT_BUILDER = _("Only the quality department builds and publishes checklists.")
TOO_MANY_ITEMS = _("A checklist has at most %(max)s items.")
UNKNOWN_PACK = _("The policy pack %(pack)s brings no checklist templates.")

# The life of a version (INS-4), declared once: the builder's pages and the diagram read it.
BUILD = Roles(BUILDERS)
VERSION_WORKFLOW = Workflow(
    name="checklist_version",
    label=_("Checklist version"),
    description=_(
        "A checklist version is drafted (a copy of the latest version), built item by item, "
        "published (frozen: new inspections use it, and the version before it is retired) "
        "and retired; completed inspections keep the version they used."
    ),
    states=dict(Status.choices),
    error=ChecklistError,
    initial=_("A new version of a checklist"),
    steps=[
        Step(
            "draft",
            _("Start a new draft"),
            sources=(),
            target=Status.DRAFT,
            who=BUILD,
            who_text=_("the quality department"),
            event=ChecklistEvent.DRAFTED,
        ),
        Step(
            "publish",
            _("Publish"),
            sources={Status.DRAFT},
            target=Status.PUBLISHED,
            who=BUILD,
            who_text=_("the quality department"),
            event=ChecklistEvent.PUBLISHED,
            participle=_("published"),
            icon="send-check",
        ),
        Step(
            "retire",
            _("Retire"),
            sources={Status.PUBLISHED},
            target=Status.RETIRED,
            who=BUILD,
            who_text=_("the quality department"),
            event=ChecklistEvent.RETIRED,
            participle=_("retired"),
            icon="archive",
            style="outline-danger",
        ),
        Step(
            "discard",
            _("Discard the draft"),
            sources={Status.DRAFT},
            target=Status.RETIRED,
            who=BUILD,
            who_text=_("the quality department"),
            event=ChecklistEvent.DISCARDED,
            participle=_("discarded"),
            icon="trash",
            style="outline-danger",
        ),
    ],
)


def _check(version: TemplateVersion, step: str, actor: Any) -> None:
    """The workflow's check; a system install (no actor) may take every step."""
    VERSION_WORKFLOW.check(version, step, actor, anyone=actor is None)


def _editable(version: TemplateVersion) -> None:
    if version.status != Status.DRAFT:
        raise ChecklistError(NOT_A_DRAFT, number=version.number, state=version.get_status_display())


def _lock(version: TemplateVersion) -> TemplateVersion:
    return TemplateVersion.objects.select_for_update().select_related("template").get(pk=version.pk)


def _builder(actor: Any) -> None:
    if actor is not None and not BUILD(actor, None):
        raise ChecklistError(NOT_BUILDER, status=403)


def checklist_builder_check(actor: Any) -> None:
    """Refuse a person who may not build checklists (ORG-2); None is the system."""
    _builder(actor)


# --- templates ------------------------------------------------------------------------------


def _template_checks(
    *, company: Company, code: str, name: str, cadence: str, pass_percent: Any, exclude: int | None
) -> list[DomainError]:
    errors: list[DomainError] = []
    if not code:
        errors.append(ChecklistError(TEMPLATE_CODE_REQUIRED, field="code", status=422))
    elif (
        ChecklistTemplate.objects.filter(company=company, code=code)
        .exclude(pk__in=[exclude] if exclude else [])
        .exists()
    ):
        errors.append(
            ChecklistError(TEMPLATE_CODE_TAKEN, field="code", status=422, template_code=code)
        )
    if not name:
        errors.append(ChecklistError(TEMPLATE_NAME_REQUIRED, field="name", status=422))
    if cadence not in Cadence.values:
        errors.append(ChecklistError(CADENCE_UNKNOWN, field="cadence", status=422))
    percent = _decimal(pass_percent)
    if percent is None or not Decimal(0) <= percent <= Decimal(100):
        errors.append(ChecklistError(PASS_PERCENT_RANGE, field="pass_percent", status=422))
    return errors


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def template_create(
    *,
    company: Company,
    code: str,
    name: str,
    cadence: str = Cadence.OCCASIONAL,
    pass_percent: Any = Decimal(60),
    description: str = "",
    source: str = "",
    actor: Any = None,
    pack: str = "",
) -> ChecklistTemplate:
    """INS-4: a new checklist template with an empty draft, version 1, to build."""
    _builder(actor)
    code, name = (code or "").strip(), (name or "").strip()
    errors = _template_checks(
        company=company,
        code=code,
        name=name,
        cadence=cadence,
        pass_percent=pass_percent,
        exclude=None,
    )
    if errors:
        raise ChecklistError.several(errors, status=422)
    with transaction.atomic():
        template = ChecklistTemplate.objects.create(
            company=company,
            code=code,
            name=name,
            cadence=cadence,
            pass_percent=_decimal(pass_percent) or Decimal(0),
            description=description or "",
            source=source or "",
            created_by=actor,
        )
        event_record(
            subject=template,
            action=ChecklistEvent.CREATED,
            actor=actor,
            data={"code": code, "pack": pack},
        )
        TemplateVersion.objects.create(
            template=template, number=1, status=Status.DRAFT, created_at=now(), created_by=actor
        )
    return template


def template_update(
    *,
    template: ChecklistTemplate,
    code: str,
    name: str,
    cadence: str,
    pass_percent: Any,
    description: str = "",
    is_active: bool = True,
    actor: Any = None,
) -> ChecklistTemplate:
    """INS-4: a template's name, code, cadence and pass mark. A completed inspection keeps
    the score and the result computed when it was submitted."""
    _builder(actor)
    code, name = (code or "").strip(), (name or "").strip()
    errors = _template_checks(
        company=template.company,
        code=code,
        name=name,
        cadence=cadence,
        pass_percent=pass_percent,
        exclude=template.pk,
    )
    if errors:
        raise ChecklistError.several(errors, status=422)
    with transaction.atomic():
        locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        locked.code, locked.name, locked.cadence = code, name, cadence
        locked.pass_percent = _decimal(pass_percent)  # type: ignore[assignment]
        locked.description, locked.is_active = description or "", is_active
        locked.save()
    return locked


# --- versions -------------------------------------------------------------------------------


def version_draft_create(
    *, template: ChecklistTemplate, actor: Any = None, copy: bool = True
) -> TemplateVersion:
    """INS-4: a new draft version, a copy of the latest version's items (follow-ups attached
    to the copies of their main items), or empty (`copy=False`, for an import). Refused while
    a draft exists."""
    with transaction.atomic():
        ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        existing = template.versions.filter(status=Status.DRAFT).first()
        if existing is not None:
            raise ChecklistError(DRAFT_EXISTS, number=existing.number)
        VERSION_WORKFLOW.check(None, "draft", actor, anyone=actor is None)
        latest = template.versions.order_by("-number").first()
        number = (latest.number if latest else 0) + 1
        draft = TemplateVersion.objects.create(
            template=template,
            number=number,
            status=Status.DRAFT,
            created_at=now(),
            created_by=actor,
        )
        copied = latest if copy else None
        if copied is not None:
            _copy_items(copied, draft)
        event_record(
            subject=template,
            action=ChecklistEvent.DRAFTED,
            actor=actor,
            data={"number": number, "copied_from": copied.number if copied else None},
        )
    return draft


def _copy_items(source: TemplateVersion, target: TemplateVersion) -> None:
    copies: dict[int, ChecklistItem] = {}
    items = list(source.items.order_by("order"))
    for item in items:
        copy = ChecklistItem(version=target)
        for name in ("order", *ITEM_FIELDS):
            if name != "follow_up_of":
                setattr(copy, name, getattr(item, name))
        copies[item.pk] = copy
    ChecklistItem.objects.bulk_create(copies.values())
    followers = []
    for item in items:
        if item.follow_up_of_id is not None:
            copy = copies[item.pk]
            copy.follow_up_of = copies[item.follow_up_of_id]
            followers.append(copy)
    if followers:
        ChecklistItem.objects.bulk_update(followers, ["follow_up_of"])


def version_publish(*, version: TemplateVersion, actor: Any = None, note: str = "") -> None:
    """INS-4: publish a draft. It is frozen from now on; the version published before it is
    retired (inspections already planned or done with it keep it); new inspections use this
    one. Every item is checked again, so a draft that became invalid is not published."""
    with transaction.atomic():
        locked = _lock(version)
        _check(locked, "publish", actor)
        items = list(locked.items.order_by("order"))
        if not items:
            raise ChecklistError(PUBLISH_EMPTY)
        by_pk = {item.pk: item for item in items}
        for item in items:
            errors = _item_errors(locked, _fields_of(item), item=item, siblings=by_pk)
            if errors:
                raise ChecklistError.several(errors, status=422)
        at = now()
        for old in locked.template.versions.filter(status=Status.PUBLISHED).exclude(pk=locked.pk):
            old.status, old.retired_at = Status.RETIRED, at
            old.save(update_fields=["status", "retired_at"])
            event_record(
                subject=locked.template,
                action=ChecklistEvent.RETIRED,
                actor=actor,
                data={"number": old.number},
            )
        locked.status, locked.published_at, locked.published_by = Status.PUBLISHED, at, actor
        locked.note = (note or locked.note)[:300]
        locked.save(update_fields=["status", "published_at", "published_by", "note"])
        event_record(
            subject=locked.template,
            action=ChecklistEvent.PUBLISHED,
            actor=actor,
            data={"number": locked.number, "items": len(items)},
        )
    version.status, version.published_at = locked.status, locked.published_at


def version_retire(*, version: TemplateVersion, actor: Any = None) -> None:
    """INS-4: retire a published version: no new inspection uses it; inspections made with
    it keep it."""
    with transaction.atomic():
        locked = _lock(version)
        _check(locked, "retire", actor)
        locked.status, locked.retired_at = Status.RETIRED, now()
        locked.save(update_fields=["status", "retired_at"])
        event_record(
            subject=locked.template,
            action=ChecklistEvent.RETIRED,
            actor=actor,
            data={"number": locked.number},
        )
    version.status = locked.status


def version_discard(*, version: TemplateVersion, actor: Any = None) -> None:
    """INS-4: discard a draft never published: it and its items are deleted (nothing used
    it), the timeline keeps that it existed."""
    with transaction.atomic():
        locked = _lock(version)
        _check(locked, "discard", actor)
        event_record(
            subject=locked.template,
            action=ChecklistEvent.DISCARDED,
            actor=actor,
            data={"number": locked.number},
        )
        locked.items.filter(follow_up_of__isnull=False).delete()
        locked.items.all().delete()
        locked.delete()


# --- items ----------------------------------------------------------------------------------


def _fields_of(item: ChecklistItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        return None
    return int(number)


def item_fields_clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The item's fields with defaults and types: text stripped, a pass/fail item scored out
    of 1. Unreadable numbers stay None and are refused by the checks."""
    out = dict(fields)
    for name in ("section", "code", "text", "help_text"):
        out[name] = str(out.get(name) or "").strip()
    out["scoring"] = out.get("scoring") or Scoring.PASS_FAIL
    out["weight"] = _decimal(out.get("weight", 1) if out.get("weight") != "" else None)
    for name in ("allow_na", "critical", "photo_on_failure"):
        out[name] = bool(out.get(name, name == "allow_na"))
    if out["scoring"] == Scoring.PASS_FAIL:
        out["max_score"], out["pass_score"] = 1, 1
    else:
        out["max_score"] = _int(out.get("max_score"))
        out["pass_score"] = _int(out.get("pass_score"))
    out.setdefault("standard", None)
    out.setdefault("follow_up_of", None)
    return out


def _item_errors(
    version: TemplateVersion,
    fields: dict[str, Any],
    *,
    item: ChecklistItem | None,
    siblings: dict[int, ChecklistItem] | None = None,
) -> list[DomainError]:
    """Every reason `fields` cannot be an item of `version` (INS-4), each on its field."""
    errors: list[DomainError] = []

    def refuse(message: Any, field: str, **params: Any) -> None:
        errors.append(ChecklistError(message, field=field, status=422, **params))

    code = fields["code"]
    if not code:
        refuse(CODE_REQUIRED, "code")
    else:
        if siblings is not None:
            taken = any(
                other.code == code and other.pk != getattr(item, "pk", None)
                for other in siblings.values()
            )
        else:
            others = version.items.filter(code=code)
            if item is not None and item.pk is not None:
                others = others.exclude(pk=item.pk)
            taken = others.exists()
        if taken:
            refuse(CODE_TAKEN, "code", item_code=code)
    if not fields["text"]:
        refuse(TEXT_REQUIRED, "text")
    weight = fields["weight"]
    if weight is None or weight <= 0:
        refuse(WEIGHT_POSITIVE, "weight")
    if fields["scoring"] not in Scoring.values:
        refuse(SCORING_UNKNOWN, "scoring")
    elif fields["scoring"] == Scoring.SCALE:
        top, passing = fields["max_score"], fields["pass_score"]
        if top is None or top < 1:
            refuse(MAX_SCORE_MIN, "max_score")
        elif passing is None:
            refuse(PASS_SCORE_ABOVE_MAX, "pass_score", pass_score="—", max_score=top)
        elif passing > top:
            refuse(PASS_SCORE_ABOVE_MAX, "pass_score", pass_score=passing, max_score=top)
    standard = fields.get("standard")
    if standard is not None and standard.company_id != version.template.company_id:
        refuse(STANDARD_OTHER_COMPANY, "standard")
    parent = fields.get("follow_up_of")
    if parent is not None:
        if item is not None and parent.pk == item.pk:
            refuse(PARENT_SELF, "follow_up_of")
        elif parent.version_id != version.pk:
            refuse(PARENT_OTHER_VERSION, "follow_up_of")
        elif parent.follow_up_of_id is not None:
            refuse(PARENT_IS_FOLLOW_UP, "follow_up_of", item_code=parent.code)
        elif item is not None and item.pk is not None:
            followers = [
                other.code
                for other in (siblings or {}).values()
                if other.follow_up_of_id == item.pk
            ] or list(item.follow_ups.values_list("code", flat=True))
            if followers:
                refuse(HAS_FOLLOW_UPS, "follow_up_of", codes="、".join(followers))
    return errors


def item_save(
    *,
    version: TemplateVersion,
    item: ChecklistItem | None = None,
    actor: Any = None,
    **fields: Any,
) -> ChecklistItem:
    """INS-4: add an item to a draft (at the end) or change one of its items. Refused with
    every reason at once, each on its field."""
    _builder(actor)
    with transaction.atomic():
        locked = _lock(version)
        _editable(locked)
        if item is not None and item.version_id != locked.pk:
            raise ChecklistError(PARENT_OTHER_VERSION)
        base = _fields_of(item) if item is not None else {}
        clean = item_fields_clean({**base, **fields})
        errors = _item_errors(locked, clean, item=item)
        if errors:
            raise ChecklistError.several(errors, status=422)
        if item is None:
            limit = settings.PINZHI_CHECKLIST_MAX_ITEMS
            if locked.items.count() >= limit:
                raise ChecklistError(TOO_MANY_ITEMS, max=limit, status=422)
            item = ChecklistItem(version=locked, order=_next_place(locked, clean["follow_up_of"]))
        for name in ITEM_FIELDS:
            setattr(item, name, clean[name])
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError as error:  # two people adding the same code at once
            raise ChecklistError(
                CODE_TAKEN, field="code", status=422, item_code=clean["code"]
            ) from (error)
    return item


def _next_place(version: TemplateVersion, parent: ChecklistItem | None) -> int:
    """Where a new item goes: at the end, or a follow-up right after its main item and the
    follow-ups it has (the items after it move down one place)."""
    if parent is None:
        return (version.items.aggregate(last=Max("order"))["last"] or 0) + 1
    block = version.items.filter(Q(pk=parent.pk) | Q(follow_up_of=parent))
    place = (block.aggregate(last=Max("order"))["last"] or 0) + 1
    later = list(version.items.filter(order__gte=place).order_by("order"))
    for other in later:
        other.order += 1
    ChecklistItem.objects.bulk_update(later, ["order"])
    return place


def item_remove(*, item: ChecklistItem, actor: Any = None) -> None:
    """INS-4: remove an item from a draft; refused while follow-up items hang on it."""
    _builder(actor)
    with transaction.atomic():
        locked = _lock(item.version)
        _editable(locked)
        followers = list(item.follow_ups.values_list("code", flat=True))
        if followers:
            raise ChecklistError(
                REMOVE_HAS_FOLLOW_UPS, item_code=item.code, codes="、".join(followers)
            )
        item.delete()
        _renumber(locked)


def item_move(*, item: ChecklistItem, up: bool, actor: Any = None) -> None:
    """INS-4: move an item of a draft one place up or down."""
    _builder(actor)
    with transaction.atomic():
        locked = _lock(item.version)
        _editable(locked)
        items = list(locked.items.order_by("order", "pk"))
        index = next(i for i, other in enumerate(items) if other.pk == item.pk)
        other_index = index - 1 if up else index + 1
        if 0 <= other_index < len(items):
            items[index], items[other_index] = items[other_index], items[index]
        _renumber(locked, items)


def items_reorder(version: TemplateVersion, items: list[ChecklistItem]) -> None:
    """Put a draft's items in the order given (an import keeps the workbook's order)."""
    _editable(version)
    _renumber(version, items)


def _renumber(version: TemplateVersion, items: list[ChecklistItem] | None = None) -> None:
    items = items if items is not None else list(version.items.order_by("order", "pk"))
    for number, item in enumerate(items, start=1):
        item.order = number
    ChecklistItem.objects.bulk_update(items, ["order"])


# --- the packs' templates -------------------------------------------------------------------


def pack_templates(pack: str) -> list[dict[str, Any]]:
    """The seeds' templates of a policy pack (`inspections/data/<pack>.yaml`)."""
    path = DATA / f"{pack}.yaml"
    if not pack or not pack.isidentifier() or pack == "common" or not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    specs: list[dict[str, Any]] = []
    for included in data.get("include", []):
        with (DATA / f"{included}.yaml").open(encoding="utf-8") as handle:
            specs += (yaml.safe_load(handle) or {}).get("templates", [])
    return specs + list(data.get("templates", []))


def checklists_install_pack(
    *, company: Company, pack: str, actor: Any = None
) -> list[ChecklistTemplate]:
    """INS-4: install the seeds' templates of `pack` for `company`, each published as
    version 1 with its items linked to the company's standards by code (an item whose
    standard is not in the catalogue is installed without the link). Idempotent: a template
    whose code the company already has is left as it is. Returns the company's templates
    of the pack (installed now or before)."""
    specs = pack_templates(pack)
    if not specs:
        raise ChecklistError(UNKNOWN_PACK, pack=pack, status=422)
    codes = [str(spec["code"]) for spec in specs]
    existing = set(
        ChecklistTemplate.objects.filter(company=company, code__in=codes).values_list(
            "code", flat=True
        )
    )
    standards = {standard.code: standard for standard in Standard.objects.filter(company=company)}
    for spec in specs:
        if str(spec["code"]) in existing:
            continue
        with transaction.atomic():
            template = template_create(
                company=company,
                code=str(spec["code"]),
                name=spec["name"],
                cadence=spec.get("cadence", Cadence.OCCASIONAL),
                pass_percent=spec.get("pass_percent", 60),
                description=spec.get("description", ""),
                source=spec.get("source", ""),
                actor=actor,
                pack=pack,
            )
            draft = template.versions.get(status=Status.DRAFT)
            items: dict[str, ChecklistItem] = {}
            for raw in spec["items"]:
                fields = {k: v for k, v in raw.items() if k not in ("standard", "follow_up_of")}
                fields["standard"] = standards.get(raw.get("standard") or "")
                parent = raw.get("follow_up_of")
                fields["follow_up_of"] = items[parent] if parent else None
                items[str(raw["code"])] = item_save(version=draft, actor=actor, **fields)
            version_publish(version=draft, actor=actor)
    return list(ChecklistTemplate.objects.filter(company=company, code__in=codes).order_by("code"))


# --- reads ----------------------------------------------------------------------------------


def templates_visible_to(user: Person) -> QuerySet[ChecklistTemplate]:
    """The checklists a person reads: their company's, for the roles that inspect, plan or
    answer for quality (ORG-2); every company's for a superuser."""
    if not user.is_authenticated:
        return ChecklistTemplate.objects.none()
    if user.is_superuser:
        return ChecklistTemplate.objects.all()
    if not (user.role_codes & READERS) or not user.company_id:
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.filter(company_id=user.company_id)


def templates_listed(user: Person) -> QuerySet[ChecklistTemplate]:
    """The list's rows: each template with its current version's number and item count."""
    published = Q(versions__status=Status.PUBLISHED)
    return templates_visible_to(user).annotate(
        current_number=Max("versions__number", filter=published),
        drafts=Count("versions", filter=Q(versions__status=Status.DRAFT), distinct=True),
    )


def versions_visible_to(user: Person) -> QuerySet[TemplateVersion]:
    return TemplateVersion.objects.filter(template__in=templates_visible_to(user))


def items_visible_to(user: Person) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(version__in=versions_visible_to(user))


def template_version_current(template: ChecklistTemplate) -> TemplateVersion | None:
    """The version new inspections use: the latest published one (None when none is)."""
    return template.versions.filter(status=Status.PUBLISHED).order_by("-number").first()


def template_draft(template: ChecklistTemplate) -> TemplateVersion | None:
    return template.versions.filter(status=Status.DRAFT).first()


def version_items(version: TemplateVersion) -> list[ChecklistItem]:
    """A version's items in order, each with its standard and main item."""
    return list(version.items.select_related("standard", "follow_up_of").order_by("order", "pk"))


@dataclass(frozen=True)
class Section:
    name: str
    items: list[ChecklistItem]


def version_sections(version: TemplateVersion) -> list[Section]:
    """The items grouped by section in their order (a section heading each time it
    changes), follow-ups after their main items' rows as ordered."""
    sections: list[Section] = []
    for item in version_items(version):
        if not sections or sections[-1].name != item.section:
            sections.append(Section(item.section, []))
        sections[-1].items.append(item)
    return sections


def version_max_score(items: list[ChecklistItem]) -> Decimal:
    """The score of an inspection where every main item passes: the main items' weights
    (a follow-up item counts only when its main item failed, so not in the maximum)."""
    return sum((Decimal(i.weight) for i in items if i.follow_up_of_id is None), Decimal(0))


def template_versions(template: ChecklistTemplate) -> QuerySet[TemplateVersion]:
    return template.versions.annotate(
        item_count=Count("items", distinct=True), used=Count("inspections", distinct=True)
    ).order_by("-number")


def standards_for(company_id: int | None) -> QuerySet[Standard]:
    """The company's standards an item may link to."""
    if company_id is None:
        return Standard.objects.none()
    return Standard.objects.filter(company_id=company_id).order_by("code")


def templates_prefetched(queryset: QuerySet[ChecklistTemplate]) -> QuerySet[ChecklistTemplate]:
    return queryset.prefetch_related(
        Prefetch("versions", queryset=TemplateVersion.objects.order_by("-number"))
    )
