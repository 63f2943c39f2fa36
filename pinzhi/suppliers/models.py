"""Supplier quality (NCR-5, seed 004 第3篇): contracts with outsourced suppliers, the checks of
their service folded from the inspections, the monthly evaluation and the deduction ledger."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.inspections.models import Cadence, Inspection
from pinzhi.lib.fields import optional_fk
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.standards.models import Standard


class SupplierContract(models.Model):
    """供方合同 (e.g. 《清洁服务委托合同》): what an outsourced supplier does for the company, at
    which units, for how much a month, against which standards, and what a failed check costs
    (NCR-5). The deduction terms start from the pack's defaults and are the contract's own."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="supplier_contracts"
    )
    supplier = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="contracts_as_supplier",
        verbose_name=_("supplier"),
    )
    number = models.CharField(_("contract number"), max_length=60)
    title = models.CharField(_("contract title"), max_length=200)
    units = models.ManyToManyField(
        Unit, related_name="supplier_contracts", verbose_name=_("units served")
    )
    standards = models.ManyToManyField(
        Standard, blank=True, related_name="supplier_contracts", verbose_name=_("standards")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    monthly_fee = models.DecimalField(_("monthly fee (yuan)"), max_digits=12, decimal_places=2)
    daily_failure_deduction = models.DecimalField(
        _("deduction per failed daily check (yuan)"), max_digits=12, decimal_places=2
    )
    weekly_failure_deduction = models.DecimalField(
        _("deduction per failed weekly check (yuan)"), max_digits=12, decimal_places=2
    )
    threshold_deduction_percent = models.DecimalField(
        _("share of the monthly fee deducted at the threshold (%)"),
        max_digits=5,
        decimal_places=2,
    )
    # Who is told when the month's threshold is reached (报经理及公司技术部, 004 第3篇 (3) 6).
    manager = optional_fk(Person, _("manager told"), related_name="supplier_contracts_managed")
    technical_department = optional_fk(
        Unit, _("technical department told"), related_name="supplier_contracts_reported"
    )
    created_by = optional_fk(Person, _("created by"), related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supplier contract")
        verbose_name_plural = _("supplier contracts")
        ordering = ["-starts_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"], name="supplier_contract_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="supplier_contract_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class SupplierCheck(models.Model):
    """One submitted check of a supplier's service, folded from `inspection.submitted`
    (consumer "suppliers"): the evaluation counts these rows, never the inspections' tables.
    `day` and `month` are the submission's date and month in Asia/Shanghai."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="supplier_checks")
    # None: no contract of the supplier covered the unit on that day (yet).
    contract = optional_fk(SupplierContract, _("contract"), related_name="checks")
    inspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="supplier_check"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    cadence = models.CharField(_("cadence"), max_length=20, choices=Cadence)
    passed = models.BooleanField(_("passed"))
    percent = models.DecimalField(
        _("score (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    failed_items = models.PositiveIntegerField(_("failed items"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"))
    day = models.DateField(_("day"))
    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("supplier check")
        verbose_name_plural = _("supplier checks")
        ordering = ["submitted_at"]
        indexes = [
            models.Index(fields=["contract", "month"], name="supplier_check_month"),
            models.Index(
                fields=["supplier", "contract", "month"], name="supplier_check_unassigned"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.day} {self.get_cadence_display()}"


class EvaluationStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")  # 已计算
    REVIEWED = "reviewed", _("Reviewed by the quality department")  # 品质部已审核
    CONFIRMED = "confirmed", _("Confirmed and sent to the supplier")  # 已确认并发送供方


class MonthlyEvaluation(models.Model):
    """质量考评: a contract's month, computed from the month's checks against the pack's
    thresholds (NCR-5), reviewed by the quality department, then confirmed and sent to the
    supplier. The limits in force for the month are kept with it."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        SupplierContract, on_delete=models.PROTECT, related_name="evaluations"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=20, choices=EvaluationStatus, default=EvaluationStatus.COMPUTED
    )
    daily_checks = models.PositiveIntegerField(_("daily checks"), default=0)
    daily_failed = models.PositiveIntegerField(_("failed daily checks"), default=0)
    weekly_checks = models.PositiveIntegerField(_("weekly checks"), default=0)
    weekly_failed = models.PositiveIntegerField(_("failed weekly checks"), default=0)
    monthly_checks = models.PositiveIntegerField(_("monthly checks"), default=0)
    monthly_failed = models.PositiveIntegerField(_("failed monthly checks"), default=0)
    other_checks = models.PositiveIntegerField(_("other checks"), default=0)
    other_failed = models.PositiveIntegerField(_("failed other checks"), default=0)
    average_percent = models.DecimalField(
        _("average score (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    daily_limit = models.PositiveIntegerField(_("failed daily checks reported at"))
    weekly_limit = models.PositiveIntegerField(_("failed weekly checks reported at"))
    threshold_reached = models.BooleanField(_("threshold reached"), default=False)
    reported_at = models.DateTimeField(
        pgettext_lazy("threshold report", "reported at"), null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"))
    reviewed_by = optional_fk(Person, _("reviewed by"), related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    confirmed_by = optional_fk(Person, _("confirmed by"), related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly evaluation")
        verbose_name_plural = _("monthly evaluations")
        ordering = ["-month", "contract"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month"], name="supplier_evaluation_one_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m}"

    @property
    def checks(self) -> int:
        return self.daily_checks + self.weekly_checks + self.monthly_checks + self.other_checks

    @property
    def failed(self) -> int:
        return self.daily_failed + self.weekly_failed + self.monthly_failed + self.other_failed


class DeductionKind(models.TextChoices):
    THRESHOLD = "threshold", _("Deduction under the contract")  # 按合同扣罚
    SUPPLEMENT = "supplement", _("Supplement for later failures")  # 追加扣罚
    CORRECTION = "correction", _("Correction")  # 更正


class ContractDeduction(models.Model):
    """合同扣款: one append-only entry of a contract's deduction ledger (NCR-5). The month's
    deduction is booked once (one THRESHOLD entry per contract and month, however often the
    month is computed); failures found after it add a SUPPLEMENT; a mistake is put right by a
    CORRECTION entry, never by changing an entry."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        SupplierContract, on_delete=models.PROTECT, related_name="deductions"
    )
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=20, choices=DeductionKind)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("reason"))
    rule_key = models.CharField(_("rule"), max_length=100, blank=True)
    citation = models.CharField(_("citation"), max_length=300, blank=True)
    evidence = models.ManyToManyField(
        SupplierCheck,
        blank=True,
        related_name="deductions",
        verbose_name=pgettext_lazy("deduction", "evidence"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    created_by = optional_fk(Person, _("booked by"), related_name="+")
    created_at = models.DateTimeField(_("booked at"))

    class Meta:
        verbose_name = _("contract deduction")
        verbose_name_plural = _("contract deductions")
        ordering = ["-month", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month"],
                condition=Q(kind="threshold"),
                name="supplier_deduction_once_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.month:%Y-%m} {self.amount}"
