"""Supplier quality services (NCR-5, seed 004 第3篇): contracts, the checks folded from the
inspections, the monthly evaluation with its threshold report, and the deduction ledger.

Every write is atomic and recorded on the timeline; notifications go out on commit. The
month's evaluation is computed with its contract row locked, so two computations of the same
month (the clock's fold and a page) queue, and the month's deduction is booked exactly once
(a partial unique constraint stands behind the lock)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pinzhi.inspections.events import InspectionEvent
from pinzhi.lib.clock import now
from pinzhi.lib.errors import DomainError
from pinzhi.notify.services import notify
from pinzhi.orgs.models import Company, Person, RoleAssignment, Unit
from pinzhi.orgs.roles import Role
from pinzhi.policy.packs import source_text
from pinzhi.policy.selectors import rule_value, rule_versions
from pinzhi.standards.models import Standard
from pinzhi.suppliers import selectors
from pinzhi.suppliers.events import SupplierEvent
from pinzhi.suppliers.models import (
    ContractDeduction,
    DeductionKind,
    EvaluationStatus,
    MonthlyEvaluation,
    SupplierCheck,
    SupplierContract,
)
from pinzhi.suppliers.workflow import EVALUATION_WORKFLOW
from pinzhi.timeline.models import Event
from pinzhi.timeline.services import event_record

CONSUMER = "suppliers"
DEFAULT_PACK = "property"
CENT = Decimal("0.01")

MSG_NOT_SUPPLIER = _("“%(name)s” is not a supplier of your company.")
MSG_UNIT_OTHER = _("The unit “%(name)s” belongs to another company.")
MSG_NO_UNITS = _("Choose at least one unit the supplier serves.")
MSG_STANDARD_OTHER = _("The standard “%(name)s” belongs to another company.")
MSG_PERIOD = _("The contract cannot end before it starts.")
MSG_NEGATIVE = _("An amount cannot be negative.")
MSG_PERCENT = _("A share of the monthly fee must be between 0 and 100.")
MSG_NUMBER_TAKEN = _("Your company already has a contract numbered “%(number)s”.")
MSG_MANAGER_OTHER = _("The manager told must be one of your company's people.")
MSG_DEPARTMENT_OTHER = _("The technical department must be one of your company's units.")
MSG_CORRECTION_REASON = _("Say why the deduction is corrected.")
MSG_CORRECTION_ZERO = _("A correction needs an amount other than zero.")
MSG_CORRECTION_BELOW = _(
    "The correction would take the month's deductions below zero (booked: %(total)s yuan)."
)
MSG_CORRECTION_OTHER = _("This deduction belongs to another company.")

THRESHOLD_TITLE = _("%(supplier)s: failed checks in %(month)s reached the reporting threshold")
THRESHOLD_BODY = _(
    "Contract %(contract)s: %(daily)s failed daily checks (reported at %(daily_limit)s) and "
    "%(weekly)s failed weekly checks (reported at %(weekly_limit)s) in %(month)s. The contract's "
    "deduction of %(amount)s yuan is booked; the quality department reviews the evaluation."
)
CONFIRMED_TITLE = _("Your monthly quality evaluation for %(month)s")
CONFIRMED_BODY = _(
    "Contract %(contract)s, %(month)s: %(checks)s checks, %(failed)s failed; deductions "
    "%(amount)s yuan."
)
THRESHOLD_REASON = _(
    "%(month)s: %(daily)s failed daily checks and %(weekly)s failed weekly checks reached the "
    "reporting threshold (%(daily_limit)s daily or %(weekly_limit)s weekly); deduction under the "
    "contract: %(daily)s × %(daily_amount)s + %(weekly)s × %(weekly_amount)s + %(percent)s%% of "
    "the monthly fee %(fee)s."
)
SUPPLEMENT_REASON = _(
    "%(month)s: failed checks found after the month's deduction was booked (now %(daily)s "
    "daily and %(weekly)s weekly)."
)


class SupplierError(DomainError):
    """A refusal of the supplier quality services."""

    code = "supplier_refused"
    status = 422


def _pack_of(company: Company) -> str:
    return company.policy_pack or DEFAULT_PACK


def _month_text(month: date) -> str:
    return f"{month:%Y-%m}"


def contract_defaults(*, company: Company) -> dict[str, Decimal]:
    """The deduction terms a new contract starts from: the pack's values in force (NCR-5)."""
    pack = _pack_of(company)
    return {
        "daily_failure_deduction": rule_value(
            "supplier.daily_failure_deduction", pack=pack, company=company
        ),
        "weekly_failure_deduction": rule_value(
            "supplier.weekly_failure_deduction", pack=pack, company=company
        ),
        "threshold_deduction_percent": rule_value(
            "supplier.threshold_deduction_percent", pack=pack, company=company
        ),
    }


# --- contracts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractTerms:
    """What a contract says, as a form or the API gives it."""

    supplier: Company
    number: str
    title: str
    units: list[Unit]
    starts_on: date
    ends_on: date
    monthly_fee: Decimal
    standards: list[Standard]
    daily_failure_deduction: Decimal | None = None
    weekly_failure_deduction: Decimal | None = None
    threshold_deduction_percent: Decimal | None = None
    manager: Person | None = None
    technical_department: Unit | None = None


def _check_terms(*, company: Company, terms: ContractTerms, contract_pk: int | None) -> None:
    errors: list[DomainError] = []
    supplier = terms.supplier
    if supplier.kind != Company.Kind.SUPPLIER or supplier.operator_id != company.pk:
        errors.append(SupplierError(MSG_NOT_SUPPLIER, field="supplier", name=supplier.name))
    if not terms.units:
        errors.append(SupplierError(MSG_NO_UNITS, field="units"))
    for unit in terms.units:
        if unit.company_id != company.pk:
            errors.append(SupplierError(MSG_UNIT_OTHER, field="units", name=unit.name))
            break
    for standard in terms.standards:
        if standard.company_id != company.pk:
            errors.append(SupplierError(MSG_STANDARD_OTHER, field="standards", name=standard))
            break
    if terms.ends_on < terms.starts_on:
        errors.append(SupplierError(MSG_PERIOD, field="ends_on"))
    for name in ("monthly_fee", "daily_failure_deduction", "weekly_failure_deduction"):
        value = getattr(terms, name)
        if value is not None and value < 0:
            errors.append(SupplierError(MSG_NEGATIVE, field=name))
    percent = terms.threshold_deduction_percent
    if percent is not None and not 0 <= percent <= 100:
        errors.append(SupplierError(MSG_PERCENT, field="threshold_deduction_percent"))
    if terms.manager is not None and terms.manager.company_id != company.pk:
        errors.append(SupplierError(MSG_MANAGER_OTHER, field="manager"))
    department = terms.technical_department
    if department is not None and department.company_id != company.pk:
        errors.append(SupplierError(MSG_DEPARTMENT_OTHER, field="technical_department"))
    taken = SupplierContract.objects.filter(company=company, number=terms.number.strip())
    if contract_pk is not None:
        taken = taken.exclude(pk=contract_pk)
    if taken.exists():
        errors.append(SupplierError(MSG_NUMBER_TAKEN, field="number", number=terms.number))
    if errors:
        raise SupplierError.several(errors)


def _covered_checks(contract: SupplierContract) -> Any:
    """The supplier's checks no contract covers yet that fall in this contract's units and
    period."""
    unit_paths = [unit.path for unit in contract.units.all()]
    checks = SupplierCheck.objects.filter(
        company_id=contract.company_id,
        supplier_id=contract.supplier_id,
        contract__isnull=True,
        day__gte=contract.starts_on,
        day__lte=contract.ends_on,
    ).select_related("unit")
    return [c for c in checks if any(c.unit.path.startswith(p) for p in unit_paths)]


@transaction.atomic
def contract_create(*, company: Company, terms: ContractTerms, actor: Person) -> SupplierContract:
    """Record a contract with an outsourced supplier (NCR-5): its units, period, monthly fee,
    standards and deduction terms (the pack's defaults where none is given). The supplier's
    checks already folded that the contract covers are attached to it and their months
    evaluated."""
    _check_terms(company=company, terms=terms, contract_pk=None)
    defaults = contract_defaults(company=company)
    fields = {
        name: getattr(terms, name) if getattr(terms, name) is not None else default
        for name, default in defaults.items()
    }
    contract = SupplierContract(
        company=company,
        supplier=terms.supplier,
        number=terms.number.strip(),
        title=terms.title.strip(),
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        monthly_fee=terms.monthly_fee,
        manager=terms.manager,
        technical_department=terms.technical_department,
        created_by=actor,
        **fields,
    )
    try:
        contract.full_clean(exclude=["company", "supplier", "created_by"])
    except ValidationError as error:
        raise SupplierError.from_validation_error(error) from error
    contract.save()
    contract.units.set(terms.units)
    contract.standards.set(terms.standards)
    attached = _covered_checks(contract)
    SupplierCheck.objects.filter(pk__in=[c.pk for c in attached]).update(contract=contract)
    event_record(
        subject=contract,
        action=SupplierEvent.CONTRACT_CREATED,
        actor=actor,
        data={
            "supplier_id": contract.supplier_id,
            "unit_ids": [unit.pk for unit in terms.units],
            "checks_attached": len(attached),
        },
    )
    for month in sorted({check.month for check in attached}):
        evaluation_compute(contract=contract, month=month)
    return contract


CONTRACT_FIELDS = (
    "number",
    "title",
    "starts_on",
    "ends_on",
    "monthly_fee",
    "daily_failure_deduction",
    "weekly_failure_deduction",
    "threshold_deduction_percent",
    "manager_id",
    "technical_department_id",
)


@transaction.atomic
def contract_update(
    *, contract: SupplierContract, terms: ContractTerms, actor: Person
) -> SupplierContract:
    """Change a contract's terms (NCR-5). The deductions already booked stay as booked (the
    ledger is append-only); the months computed from now on use the new terms."""
    contract = SupplierContract.objects.select_for_update().get(pk=contract.pk)
    if terms.supplier.pk != contract.supplier_id:
        raise SupplierError(MSG_NOT_SUPPLIER, field="supplier", name=terms.supplier.name)
    _check_terms(company=contract.company, terms=terms, contract_pk=contract.pk)
    before = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    contract.number, contract.title = terms.number.strip(), terms.title.strip()
    contract.starts_on, contract.ends_on = terms.starts_on, terms.ends_on
    contract.monthly_fee = terms.monthly_fee
    for name in (
        "daily_failure_deduction",
        "weekly_failure_deduction",
        "threshold_deduction_percent",
    ):
        if getattr(terms, name) is not None:
            setattr(contract, name, getattr(terms, name))
    contract.manager, contract.technical_department = terms.manager, terms.technical_department
    contract.save()
    contract.units.set(terms.units)
    contract.standards.set(terms.standards)
    after = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    changed = [name for name in CONTRACT_FIELDS if before[name] != after[name]]
    event_record(
        subject=contract,
        action=SupplierEvent.CONTRACT_CHANGED,
        actor=actor,
        before={name: _plain(before[name]) for name in changed},
        after={name: _plain(after[name]) for name in changed},
    )
    attached = _covered_checks(contract)
    SupplierCheck.objects.filter(pk__in=[c.pk for c in attached]).update(contract=contract)
    for month in sorted({check.month for check in attached}):
        evaluation_compute(contract=contract, month=month)
    return contract


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, (Decimal, date)) else value


# --- folding the inspections' submissions --------------------------------------------------


def _contract_for(*, company_id: int, supplier_id: int, unit: Unit, day: date) -> int | None:
    """The contract of the supplier covering `unit` (or a unit above it) on `day`."""
    codes = [code for code in unit.path.strip("/").split("/") if code]
    paths = ["/" + "/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
    return (
        SupplierContract.objects.filter(
            company_id=company_id,
            supplier_id=supplier_id,
            starts_on__lte=day,
            ends_on__gte=day,
            units__path__in=paths,
        )
        .order_by("-starts_on", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def checks_fold(events: list[Event]) -> None:
    """The consumer's handler: one SupplierCheck per submitted inspection of a supplier's
    service (the inspection is its key, so a batch offered twice adds nothing), and each
    (contract, month) touched evaluated again (NCR-5)."""
    touched: set[tuple[int, date]] = set()
    wanted = [event for event in events if event.data.get("supplier_id")]
    if not wanted:
        return
    units = Unit.objects.in_bulk({event.data["unit_id"] for event in wanted})
    known = set(
        SupplierCheck.objects.filter(
            inspection_id__in=[int(event.object_id) for event in wanted]
        ).values_list("inspection_id", flat=True)
    )
    rows = []
    # A batch holds many checks of the same units on the same days: one lookup each.
    contracts_of: dict[tuple[int, int, int, date], int | None] = {}
    for event in wanted:
        inspection_id = int(event.object_id)
        unit = units.get(event.data["unit_id"])
        if inspection_id in known or unit is None or event.company_id is None:
            continue
        known.add(inspection_id)
        day = selectors.day_of(event.at)
        key = (event.company_id, event.data["supplier_id"], unit.pk, day)
        if key not in contracts_of:
            contracts_of[key] = _contract_for(
                company_id=event.company_id,
                supplier_id=event.data["supplier_id"],
                unit=unit,
                day=day,
            )
        contract_id = contracts_of[key]
        percent = event.data.get("percent")
        rows.append(
            SupplierCheck(
                company_id=event.company_id,
                supplier_id=event.data["supplier_id"],
                contract_id=contract_id,
                inspection_id=inspection_id,
                unit=unit,
                cadence=event.data["cadence"],
                # A check with any nonconforming item counts as failed (有不合格项目,
                # 004 第3篇 (3) 6), even when its score passes.
                passed=bool(event.data["passed"]) and not event.data.get("failed_answer_ids"),
                percent=None if percent is None else Decimal(percent),
                failed_items=len(event.data.get("failed_answer_ids") or []),
                submitted_at=event.at,
                day=day,
                month=selectors.month_of(event.at),
            )
        )
        if contract_id is not None:
            touched.add((contract_id, selectors.month_of(event.at)))
    SupplierCheck.objects.bulk_create(rows, batch_size=1000)
    contracts = SupplierContract.objects.in_bulk({contract_id for contract_id, _m in touched})
    for contract_id, month in sorted(touched):
        evaluation_compute(contract=contracts[contract_id], month=month)


def inspection_submitted_fold(inspection_id: int) -> None:
    """INS-5 / NCR-5: fold one submitted inspection into its supplier's check right after the
    submission commits (registered with `register_on_submitted`), so the supplier's month is
    current at once; the consumer reads the same event later and adds nothing (the
    inspection is the check's key). A race with the consumer is settled by that key."""
    events = list(
        Event.objects.filter(
            action=InspectionEvent.SUBMITTED,
            object_id=str(inspection_id),
            content_type__app_label="inspections",
            content_type__model="inspection",
        )
    )
    if not events or not any(event.data.get("supplier_id") for event in events):
        return
    try:
        with transaction.atomic():
            checks_fold(events)
    except IntegrityError:
        return  # folded meanwhile by the consumer: exactly once


def checks_fold_pending(*, batch: int = 500) -> int:
    """Fold every submission not yet folded (the clock's job, every minute). Returns how
    many events were read."""
    from pinzhi.timeline.consumers import events_consume

    total = 0
    while True:
        read = events_consume(
            consumer=CONSUMER,
            kinds=[InspectionEvent.SUBMITTED],
            handler=checks_fold,
            batch=batch,
        )
        total += read
        if read < batch:
            return total


# --- the monthly evaluation ---------------------------------------------------------------


def _limits(contract: SupplierContract, month: date) -> tuple[int, int]:
    """The pack's numbers of failed daily and weekly checks that are reported (NCR-5), as in
    force at the start of the month."""
    pack = _pack_of(contract.company)
    at = min(selectors.local_start(month), now())
    daily = rule_value("supplier.daily_check_failures", pack=pack, company=contract.company, at=at)
    weekly = rule_value(
        "supplier.weekly_check_failures", pack=pack, company=contract.company, at=at
    )
    return int(daily), int(weekly)


def deduction_due(contract: SupplierContract, evaluation: MonthlyEvaluation) -> Decimal:
    """What the contract's terms deduct for the month: nothing below the threshold; at it,
    each failed daily and weekly check at the contract's amount plus its share of the
    monthly fee (004 第3篇 (3) 6: 按《清洁服务委托合同》的有关条款进行扣罚)."""
    if not evaluation.threshold_reached:
        return Decimal(0)
    amount = (
        evaluation.daily_failed * contract.daily_failure_deduction
        + evaluation.weekly_failed * contract.weekly_failure_deduction
        + contract.monthly_fee * contract.threshold_deduction_percent / 100
    )
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _citation(contract: SupplierContract) -> str:
    version = rule_versions(
        "supplier.daily_check_failures", pack=_pack_of(contract.company), company=contract.company
    ).first()
    if version is None:
        return ""
    return source_text(version.rule.citation_seed, version.rule.citation_clause)


def evaluation_compute(
    *, contract: SupplierContract, month: date, actor: Person | None = None
) -> MonthlyEvaluation:
    """Compute a contract's month from its checks (NCR-5): counts by cadence, the average
    score, and whether ≥ `supplier.daily_check_failures` failed daily checks OR ≥
    `supplier.weekly_check_failures` failed weekly checks were found. The first time the
    threshold is reached the manager, the technical department and the quality department
    are told; the deduction is booked exactly once per contract and month (failures found
    after it add a supplement). An evaluation already reviewed or confirmed whose figures
    change goes back to the quality department."""
    with transaction.atomic():
        contract = (
            SupplierContract.objects.select_for_update(of=("self",))
            .select_related("company", "supplier", "manager", "technical_department")
            .get(pk=contract.pk)
        )
        figures = selectors.month_figures(contract_id=contract.pk, month=month)
        daily_limit, weekly_limit = _limits(contract, month)
        evaluation = MonthlyEvaluation.objects.filter(contract=contract, month=month).first()
        moment = now()
        fields = figures.as_fields()
        if evaluation is None:
            evaluation = MonthlyEvaluation(
                company_id=contract.company_id, contract=contract, month=month, computed_at=moment
            )
            changed = True
        else:
            changed = any(getattr(evaluation, name) != value for name, value in fields.items())
        for name, value in fields.items():
            setattr(evaluation, name, value)
        evaluation.daily_limit, evaluation.weekly_limit = daily_limit, weekly_limit
        evaluation.threshold_reached = (
            figures.daily_failed >= daily_limit or figures.weekly_failed >= weekly_limit
        )
        if changed:
            evaluation.computed_at = moment
        was = evaluation.status
        if changed and was != EvaluationStatus.COMPUTED and evaluation.pk is not None:
            evaluation.status = EvaluationStatus.COMPUTED
            evaluation.save()
            event_record(
                subject=evaluation,
                action=SupplierEvent.REOPENED,
                actor=actor,
                data={"month": _month_text(month), "was": was},
            )
        else:
            evaluation.save()
        booked = _deduction_book(contract=contract, evaluation=evaluation, actor=actor)
        if evaluation.threshold_reached and evaluation.reported_at is None:
            _threshold_report(contract=contract, evaluation=evaluation, amount=booked)
    return evaluation


def _deduction_book(
    *, contract: SupplierContract, evaluation: MonthlyEvaluation, actor: Person | None
) -> Decimal:
    """Append what the month's deduction lacks: the THRESHOLD entry once, a SUPPLEMENT when
    later failures raise what the terms give. Corrections are left aside: they are the
    quality department's decisions. Returns the month's automatic total."""
    due = deduction_due(contract, evaluation)
    booked = selectors.deductions_booked(contract_id=contract.pk, month=evaluation.month)
    automatic = sum(
        (booked.get(kind, Decimal(0)) for kind in selectors.automatic_kinds()), Decimal(0)
    )
    if not evaluation.threshold_reached or due <= automatic:
        return automatic
    has_threshold = DeductionKind.THRESHOLD in booked
    evidence = list(selectors.failed_checks(contract_id=contract.pk, month=evaluation.month))
    params = {
        "month": _month_text(evaluation.month),
        "daily": evaluation.daily_failed,
        "weekly": evaluation.weekly_failed,
    }
    if has_threshold:
        kind, amount = DeductionKind.SUPPLEMENT, due - automatic
        used = set(
            ContractDeduction.evidence.through.objects.filter(
                contractdeduction__contract=contract,
                contractdeduction__month=evaluation.month,
            ).values_list("suppliercheck_id", flat=True)
        )
        evidence = [check for check in evidence if check.pk not in used]
        reason = SUPPLEMENT_REASON % params
    else:
        kind, amount = DeductionKind.THRESHOLD, due
        reason = THRESHOLD_REASON % {
            **params,
            "daily_limit": evaluation.daily_limit,
            "weekly_limit": evaluation.weekly_limit,
            "daily_amount": contract.daily_failure_deduction,
            "weekly_amount": contract.weekly_failure_deduction,
            "percent": contract.threshold_deduction_percent.normalize(),
            "fee": contract.monthly_fee,
        }
    try:
        with transaction.atomic():
            entry = ContractDeduction.objects.create(
                company_id=contract.company_id,
                contract=contract,
                month=evaluation.month,
                kind=kind,
                amount=amount,
                reason=str(reason),
                rule_key="supplier.daily_check_failures",
                citation=_citation(contract),
                created_by=actor,
                created_at=now(),
            )
    except IntegrityError:
        # Booked meanwhile by a computation that did not hold the contract's lock (the
        # constraint stands behind the lock): the month keeps its one entry.
        return due
    entry.evidence.set(evidence)
    _deduction_event(entry, evidence, actor)
    return automatic + amount


def _deduction_event(
    entry: ContractDeduction, evidence: Iterable[SupplierCheck], actor: Person | None
) -> None:
    event_record(
        subject=entry.contract,
        action=SupplierEvent.DEDUCTION_BOOKED,
        actor=actor,
        data={
            "month": _month_text(entry.month),
            "kind": entry.kind,
            "amount": str(entry.amount),
            "deduction_id": entry.pk,
            "inspection_ids": [check.inspection_id for check in evidence],
        },
    )


def threshold_recipients(contract: SupplierContract) -> list[Person]:
    """Who is told when a month reaches the threshold (报经理及公司技术部): the contract's
    manager, the people of its technical department (and the department managers whose scope
    covers it), and the company's quality department, which reviews the evaluation."""
    people: list[Person] = []
    if contract.manager is not None:
        people.append(contract.manager)
    department = contract.technical_department
    if department is not None:
        people += list(
            Person.objects.filter(is_active=True, unit__path__startswith=department.path)
        )
        heads = RoleAssignment.objects.filter(
            role=Role.DEPARTMENT_MANAGER, scope=department, person__is_active=True
        )
        people += list(Person.objects.filter(pk__in=heads.values("person_id")))
    quality = RoleAssignment.objects.filter(
        role=Role.QUALITY_DEPARTMENT,
        person__is_active=True,
        person__company_id=contract.company_id,
    )
    people += list(Person.objects.filter(pk__in=quality.values("person_id")))
    unique: dict[int, Person] = {}
    for person in people:
        unique.setdefault(person.pk, person)
    return list(unique.values())


def _threshold_report(
    *, contract: SupplierContract, evaluation: MonthlyEvaluation, amount: Decimal
) -> None:
    recipients = threshold_recipients(contract)
    month = _month_text(evaluation.month)
    params = {
        "supplier": contract.supplier.short_name or contract.supplier.name,
        "month": month,
        "contract": contract.number,
        "daily": evaluation.daily_failed,
        "weekly": evaluation.weekly_failed,
        "daily_limit": evaluation.daily_limit,
        "weekly_limit": evaluation.weekly_limit,
        "amount": amount,
    }
    notify(
        recipients=recipients,
        kind="supplier.threshold",
        title=str(THRESHOLD_TITLE % params),
        body=str(THRESHOLD_BODY % params),
        url=reverse("suppliers:month", args=[contract.pk, month]),
        subject=evaluation,
    )
    evaluation.reported_at = now()
    evaluation.save(update_fields=["reported_at"])
    event_record(
        subject=evaluation,
        action=SupplierEvent.THRESHOLD_REACHED,
        data={
            "month": month,
            "daily_failed": evaluation.daily_failed,
            "weekly_failed": evaluation.weekly_failed,
            "recipient_ids": [person.pk for person in recipients],
        },
    )


# --- the evaluation's steps ---------------------------------------------------------------


@transaction.atomic
def evaluation_review(
    *, evaluation: MonthlyEvaluation, actor: Person, note: str = ""
) -> MonthlyEvaluation:
    """The quality department reviews a computed evaluation (NCR-5)."""
    evaluation = MonthlyEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    EVALUATION_WORKFLOW.check(evaluation, "review", actor)
    evaluation.status = EvaluationStatus.REVIEWED
    evaluation.reviewed_by, evaluation.reviewed_at = actor, now()
    evaluation.review_note = note.strip()
    evaluation.save()
    event_record(
        subject=evaluation,
        action=SupplierEvent.REVIEWED,
        actor=actor,
        data={"month": _month_text(evaluation.month)},
    )
    return evaluation


@transaction.atomic
def evaluation_confirm(*, evaluation: MonthlyEvaluation, actor: Person) -> MonthlyEvaluation:
    """The quality department confirms a reviewed evaluation and sends it to the supplier,
    whose people are told; from then on they read it and the month's deductions (NCR-5)."""
    evaluation = (
        MonthlyEvaluation.objects.select_for_update(of=("self",))
        .select_related("contract__supplier")
        .get(pk=evaluation.pk)
    )
    EVALUATION_WORKFLOW.check(evaluation, "confirm", actor)
    evaluation.status = EvaluationStatus.CONFIRMED
    evaluation.confirmed_by, evaluation.confirmed_at = actor, now()
    evaluation.save()
    contract = evaluation.contract
    month = _month_text(evaluation.month)
    supplier_people = Person.objects.filter(
        company_id=contract.supplier_id,
        is_active=True,
        role_assignments__role=Role.SUPPLIER,
    ).distinct()
    notify(
        recipients=supplier_people,
        kind="supplier.evaluation_confirmed",
        title=str(CONFIRMED_TITLE % {"month": month}),
        body=str(
            CONFIRMED_BODY
            % {
                "contract": contract.number,
                "month": month,
                "checks": evaluation.checks,
                "failed": evaluation.failed,
                "amount": selectors.deduction_total(
                    contract_id=contract.pk, month=evaluation.month
                ),
            }
        ),
        url=reverse("suppliers:month", args=[contract.pk, month]),
        subject=evaluation,
    )
    event_record(
        subject=evaluation,
        action=SupplierEvent.CONFIRMED,
        actor=actor,
        data={"month": month},
    )
    return evaluation


@transaction.atomic
def deduction_correct(
    *, deduction: ContractDeduction, amount: Decimal, reason: str, actor: Person
) -> ContractDeduction:
    """Put a booked deduction right with a new ledger entry (NCR-5: the ledger is
    append-only): `amount` is added to the month (negative lowers it), never below zero."""
    contract = SupplierContract.objects.select_for_update().get(pk=deduction.contract_id)
    if not actor.is_superuser and actor.company_id != contract.company_id:
        raise SupplierError(MSG_CORRECTION_OTHER, status=404)
    if not selectors.user_may_manage(actor):
        raise SupplierError(MSG_CORRECTION_OTHER, status=403)
    errors = []
    if not reason.strip():
        errors.append(SupplierError(MSG_CORRECTION_REASON, field="reason"))
    if amount == 0:
        errors.append(SupplierError(MSG_CORRECTION_ZERO, field="amount"))
    total = selectors.deduction_total(contract_id=contract.pk, month=deduction.month)
    if amount and total + amount < 0:
        errors.append(SupplierError(MSG_CORRECTION_BELOW, field="amount", total=total))
    if errors:
        raise SupplierError.several(errors)
    entry = ContractDeduction.objects.create(
        company_id=contract.company_id,
        contract=contract,
        month=deduction.month,
        kind=DeductionKind.CORRECTION,
        amount=amount.quantize(CENT, rounding=ROUND_HALF_UP),
        reason=reason.strip(),
        corrects=deduction,
        created_by=actor,
        created_at=now(),
    )
    _deduction_event(entry, [], actor)
    return entry
