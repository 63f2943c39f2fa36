"""Nonconformities, rectification, work orders, supervision orders and CAPA (NCR-1 … NCR-4).

A nonconformity (不合格项) is raised once per failed answer of a submitted inspection (the
consumer of `inspection.submitted`), or by hand from an observation or a complaint. Its
severity decides its handling and its deadline from the policy pack (NCR-1). The loop (NCR-2):
open → the unit (or the supplier) reports its fix with evidence → the inspector verifies it:
accepted (closed) or reopened with a new deadline. A large cleaning job becomes a work order
(报事单) with its own due time; a supervision order (督办单) states a problem with staged
requirements (NCR-4); a problem found in several units proposes a corrective or preventive
action (纠正 / 预防措施, CAPA)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.inspections.models import Answer, ChecklistItem, Inspection, Severity
from pinzhi.lib.fields import optional_fk, person_fk
from pinzhi.orgs.models import Company, Unit
from pinzhi.standards.models import Standard


class Source(models.TextChoices):
    INSPECTION = "inspection", _("Inspection")  # 检查发现
    OBSERVATION = "observation", _("Observation")  # 现场观察
    COMPLAINT = "complaint", _("Complaint")  # 客户投诉


class Nonconformity(models.Model):
    """不合格项: one problem found, with its severity, deadline and responsible person (NCR-1,
    NCR-2). `answer` is unique: one failed answer raises exactly one nonconformity."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting rectification")  # 待整改
        FIX_REPORTED = "fix_reported", _("Fix reported, awaiting verification")  # 待验证
        CLOSED = "closed", _("Verified and closed")  # 已验证关闭

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="nonconformities")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="nonconformities", verbose_name=_("unit")
    )
    number = models.CharField(_("number"), max_length=30)
    source = models.CharField(_("found by"), max_length=20, choices=Source)
    inspection = optional_fk(Inspection, _("inspection"), related_name="nonconformities")
    answer = models.OneToOneField(
        Answer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nonconformity",
        verbose_name=pgettext_lazy("inspection", "answer"),
    )
    item = optional_fk(ChecklistItem, _("checklist item"), related_name="nonconformities")
    # The checklist item's code: the same problem across template versions (CAPA, 4.9).
    item_code = models.CharField(_("item code"), max_length=40, blank=True)
    # What counts as "the same problem" across units (NCR-4): the standard, else the
    # template's code and the item's code.
    problem_key = models.CharField(_("problem key"), max_length=120, blank=True)
    standard = optional_fk(Standard, _("standard"), related_name="nonconformities")
    # A complaint's number (the complaints app sits above this one: a reference, not a link).
    complaint_ref = models.CharField(_("complaint"), max_length=40, blank=True)
    supplier = optional_fk(Company, _("supplier"), related_name="supplier_nonconformities")
    title = models.CharField(_("problem"), max_length=300)
    description = models.TextField(_("details"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity)
    # 004 第3篇 4: a minor cleaning fault is fixed within the hour.
    is_cleaning = models.BooleanField(_("cleaning"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.OPEN, db_index=True
    )
    responsible = person_fk(_("responsible person"), related_name="nonconformities_responsible")
    due_at = models.DateTimeField(_("rectify by"))
    rule_key = models.CharField(_("rule"), max_length=100, blank=True)
    # How often the fix was rejected and the deadline set again.
    reopened = models.PositiveIntegerField(_("times reopened"), default=0)
    # Serious findings (NCR-1, 000 监督管理办法 五(三)): the warning notice and how far up the
    # line it has been reported (1 = the unit's head, 2 = the quality department,
    # 3 = leadership).
    warning_notice = models.TextField(_("warning notice"), blank=True)
    reported_level = models.PositiveSmallIntegerField(_("reported up to"), default=0)
    suspension_proposed = models.BooleanField(_("suspension proposed"), default=False)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    committee_reported_at = models.DateTimeField(
        _("reported to the owners' committee"), null=True, blank=True
    )
    raised_by = person_fk(_("raised by"))
    raised_at = models.DateTimeField(_("raised at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("nonconformity")
        verbose_name_plural = _("nonconformities")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="nonconformity_number")
        ]
        indexes = [
            models.Index(fields=["company", "status", "due_at"], name="ncr_company_due"),
            models.Index(fields=["unit", "status", "due_at"], name="ncr_unit_due"),
            models.Index(fields=["company", "problem_key", "raised_at"], name="ncr_problem_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class FixReport(models.Model):
    """整改回复: the unit's (or the supplier's) report of its fix, with text and photos
    (NCR-2). Idempotent by `client_key`."""

    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.CASCADE, related_name="fix_reports"
    )
    text = models.TextField(_("what was done"))
    # The timeline attachments (photos) of the evidence, by id.
    attachment_ids = models.JSONField(_("evidence"), default=list, blank=True)
    client_key = models.UUIDField(_("client key"), null=True, blank=True, unique=True)
    reported_by = person_fk(_("reported by"))
    reported_at = models.DateTimeField(_("reported at"))

    class Meta:
        verbose_name = _("fix report")
        verbose_name_plural = _("fix reports")
        ordering = ["nonconformity", "reported_at", "pk"]

    def __str__(self) -> str:
        return f"{self.nonconformity} — {self.reported_at:%Y-%m-%d %H:%M}"


class Verification(models.Model):
    """跟踪验证: the inspector's verdict on a reported fix, with the result and measures
    (NCR-2, 000 检验办法 4.1). Rejected: the nonconformity reopens with `new_due_at`."""

    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.CASCADE, related_name="verifications"
    )
    accepted = models.BooleanField(_("accepted"))
    note = models.TextField(_("result and measures"))
    new_due_at = models.DateTimeField(_("new deadline"), null=True, blank=True)
    verified_by = person_fk(_("verified by"))
    verified_at = models.DateTimeField(_("verified at"))

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["nonconformity", "verified_at", "pk"]

    def __str__(self) -> str:
        return f"{self.nonconformity} — {self.verified_at:%Y-%m-%d %H:%M}"


class WorkOrder(models.Model):
    """报事单: a job too large to fix within the hour, with its own due time; the cleaning
    contractor completes it and replies (NCR-2, 004 第3篇 5)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Completed")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="work_orders")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="work_orders")
    number = models.CharField(_("number"), max_length=30)
    nonconformity = models.OneToOneField(
        Nonconformity, on_delete=models.PROTECT, related_name="work_order"
    )
    supplier = optional_fk(Company, _("contractor"), related_name="work_orders_received")
    job = models.TextField(_("job"))
    due_at = models.DateTimeField(_("complete by"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    reply = models.TextField(_("reply"), blank=True)
    done_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    issued_by = person_fk(_("issued by"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="work_order_number")
        ]

    def __str__(self) -> str:
        return self.number


class SupervisionOrder(models.Model):
    """督办单: a problem stated by the quality department with staged requirements, each
    with its own due date and completion (NCR-4, 000 监督管理办法 五(二))."""

    class Status(models.TextChoices):
        OPEN = "open", _("Under supervision")
        CLOSED = "closed", _("Completed")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="supervision_orders"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="supervision_orders")
    number = models.CharField(_("number"), max_length=30)
    problem = models.TextField(_("problem"))
    nonconformities = models.ManyToManyField(
        Nonconformity, blank=True, related_name="supervision_orders"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    issued_by = person_fk(_("issued by"))
    issued_at = models.DateTimeField(_("issued at"))
    closed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="supervision_order_number")
        ]

    def __str__(self) -> str:
        return self.number


class SupervisionStage(models.Model):
    """One staged requirement (阶段性工作要求) of a supervision order."""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField(_("stage"))
    requirement = models.TextField(pgettext_lazy("stage", "requirement"))
    due_at = models.DateTimeField(_("due"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = person_fk(_("completed by"))
    note = models.TextField(_("completion note"), blank=True)

    class Meta:
        verbose_name = _("supervision stage")
        verbose_name_plural = _("supervision stages")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="supervision_stage_position")
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.position}"


class CorrectiveAction(models.Model):
    """纠正 / 预防措施 (CAPA): proposed when the same problem (checklist item or standard) is
    found in several units within a period (NCR-4, 000 检验办法 4.9); the quality department
    accepts it, names the root cause, the owner and the due date, and it closes only after an
    effectiveness check."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("Corrective action")  # 纠正措施
        PREVENTIVE = "preventive", _("Preventive action")  # 预防措施

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("In progress")
        DECLINED = "declined", _("Declined")
        CLOSED = "closed", _("Closed after the effectiveness check")

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="corrective_actions"
    )
    number = models.CharField(_("number"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CORRECTIVE)
    # The problem: a checklist item's code or a standard (the key the finding was counted by).
    problem_key = models.CharField(_("problem key"), max_length=120)
    problem = models.CharField(_("problem"), max_length=300)
    period_start = models.DateTimeField(_("period from"))
    period_end = models.DateTimeField(_("period to"))
    units = models.ManyToManyField(Unit, related_name="corrective_actions")
    nonconformities = models.ManyToManyField(Nonconformity, related_name="corrective_actions")
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PROPOSED, db_index=True
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    action = models.TextField(pgettext_lazy("corrective action", "action"), blank=True)
    owner = person_fk(_("owner"), related_name="corrective_actions_owned")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    effectiveness = models.TextField(_("effectiveness check"), blank=True)
    effective = models.BooleanField(_("effective"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = person_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    checked_by = person_fk(_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="capa_number"),
            # One proposal per problem at a time: a later finding joins the open one.
            models.UniqueConstraint(
                fields=["company", "problem_key"],
                condition=models.Q(status__in=["proposed", "accepted"]),
                name="capa_one_open_per_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.problem}"


class CommitteeReport(models.Model):
    """报呈业主 / 业委会: an overdue rectification reported to the estate's owners' committee
    where the pack says so (NCR-3, 004 第3篇 7). One per nonconformity and overrun."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="committee_reports")
    nonconformity = models.ForeignKey(
        Nonconformity, on_delete=models.CASCADE, related_name="committee_reports"
    )
    round = models.PositiveIntegerField(_("round"))
    text = models.TextField(_("report"))
    reported_at = models.DateTimeField(_("reported at"))

    class Meta:
        verbose_name = _("report to the owners' committee")
        verbose_name_plural = _("reports to the owners' committee")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["nonconformity", "round"], name="committee_report_once_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nonconformity} #{self.round}"
