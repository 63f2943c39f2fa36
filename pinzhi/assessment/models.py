"""Assessment, rewards and penalties (ASM-1 … ASM-11): the points ledger, the monthly cycle
with its appeals, service stars and worst-service ratings, the quarterly assessment with its
rankings, and the consequences decided from them.

Mechanism 4 (DESIGN.md): the ledger is append-only. Every figure — a person's month, a
ranking, a payroll export — is derived from `PointsEntry` rows, each citing the rule and the
event that caused it; a correction is a new entry that names the one it corrects."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.fields import optional_fk
from pinzhi.orgs.models import Company, Person, Unit
from pinzhi.timeline.models import Event
from pinzhi.training.models import TrainingAssignment


class EntryKind(models.TextChoices):
    """What an entry of the ledger is for; each kind has its rule (policy pack) and clause."""

    COMPLAINT = "complaint", _("Verified complaint")  # 004 第5篇 二.2, the person
    SUPERVISOR_JOINT = "supervisor_joint", _("Supervisor's joint penalty")  # 二.2
    LEADER_JOINT = "leader_joint", _("Group leader's joint penalty")  # 二.2
    ATTITUDE = "attitude", _("Attitude complaint")  # 二.1
    QUARREL = "quarrel", _("Quarrelling with or abusing a customer")  # 二.1
    OFFENCE_A = "offence_a", _("Category A offence")  # 第4篇 九 第一款
    OFFENCE_B = "offence_b", _("Category B offence")  # 第4篇 九 第二款
    INACTION = "inaction", _("Not acting on an escalated complaint")  # 二.6, CMP-7
    RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification overdue")  # NCR-3
    INSPECTION = "inspection", _("Inspection result")  # ASM-3
    DAILY_RECORD = "daily_record", _("Daily assessment record")  # ASM-3
    SERVICE_STAR = "service_star", _("Service star")  # 二.3
    WORST_SERVICE = "worst_service", _("Worst service")  # 二.4
    CORRECTION = "correction", _("Correction")  # a later entry putting one right


class Sanction(models.TextChoices):
    """The penalty scale (ASM-10, 000 检验管理规定 第十九条) and the measures ASM-5 adds."""

    CRITICISM = "criticism", _("Criticism")  # 批评
    WARNING = "warning", _("Warning")  # 警告
    MAJOR_DEMERIT = "major_demerit", _("Major demerit")  # 记大过
    FINE = "fine", _("Fine")  # 罚款
    PAY_CUT = "pay_cut", _("Pay cut")  # 降薪
    SUSPENSION = "suspension", _("Suspension")  # 停职
    DISMISSAL = "dismissal", _("Dismissal")  # 辞退


class PointsEntry(models.Model):
    """积分台账: one append-only entry — a person's points (and money, where the rule has an
    amount) in one month, the rule and clause it applies, and what caused it: a timeline
    event (derived exactly once: one entry per event, kind and person) or a manager's
    decision with a reason. Never edited; a correction is a new entry citing this one."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="points_entries", verbose_name=_("person")
    )
    # The person's unit when the entry was booked (their department's review covers it).
    unit = optional_fk(Unit, _("unit"), related_name="+")
    # The month the entry counts in (its first day; Asia/Shanghai). A late entry for a
    # month already exported to payroll lands in the next open month.
    month = models.DateField(_("month"))
    # When its cause happened (the complaint verified, the offence committed).
    occurred_at = models.DateTimeField(_("occurred at"))
    kind = models.CharField(_("kind"), max_length=30, choices=EntryKind)
    points = models.IntegerField(_("points"), default=0)
    # Money in yuan where the rule has an amount: a reward is positive, a fine negative.
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # The rule applied and its value then, with the clause (readable without the pack).
    rule_key = models.CharField(_("rule"), max_length=100, blank=True)
    rule_value = models.CharField(_("rule value"), max_length=100, blank=True)
    citation = models.CharField(_("citation"), max_length=300, blank=True)
    # The n-th of the month (complaint, joint penalty) or the streak (service star).
    count = models.PositiveSmallIntegerField(_("count"), null=True, blank=True)
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What the entry is about (a complaint, a nonconformity, an inspection), for its link.
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    subject_label = models.CharField(_("about"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    sanction = models.CharField(_("sanction"), max_length=20, choices=Sanction, blank=True)
    # A company-wide notice (通报全公司, ASM-5) goes with it.
    notice = models.BooleanField(_("company-wide notice"), default=False)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    entered_by = optional_fk(Person, _("entered by"), related_name="+")
    created_at = models.DateTimeField(_("booked at"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-month", "occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind", "person"],
                condition=Q(event__isnull=False),
                name="points_entry_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["company", "month", "person"], name="points_company_month"),
            models.Index(fields=["person", "month"], name="points_person_month"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m} {self.points:+d}"


class MonthStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # computed at month end
    REVIEW = "review", _("Department review")  # 部门经理审核
    PUBLISHED = "published", pgettext_lazy("assessment month", "Published")  # 公示, appeals open
    APPROVED = "approved", _("Approved by the quality department")
    CLOSED = "closed", _("Closed and exported to payroll")  # locked


class AssessmentMonth(models.Model):
    """月度考核: a company's assessment of one month (ASM-3), from the draft computed at
    month end through the department managers' review, the publication with its appeal
    window, the quality department's approval, to the export to payroll that locks it."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=20, choices=MonthStatus, default=MonthStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    appeal_until = models.DateTimeField(_("appeals until"), null=True, blank=True)
    approved_by = optional_fk(Person, _("approved by"), related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    closed_by = optional_fk(Person, _("closed by"), related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment month")
        verbose_name_plural = _("assessment months")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["company", "month"], name="one_assessment_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def locked(self) -> bool:
        return self.status == MonthStatus.CLOSED


class MonthReview(models.Model):
    """A department manager's review of their department's month (部门经理审核)."""

    assessment_month = models.ForeignKey(
        AssessmentMonth, on_delete=models.CASCADE, related_name="reviews"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("department review")
        verbose_name_plural = _("department reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment_month", "unit"], name="one_review_per_unit_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.assessment_month}"


class MonthlyTotal(models.Model):
    """A person's month, derived from the ledger when the month is computed (and again
    after a decision changes it); frozen when the month is closed. The payroll export and
    the rankings read these rows, never a counter."""

    assessment_month = models.ForeignKey(
        AssessmentMonth, on_delete=models.CASCADE, related_name="totals"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = optional_fk(Unit, _("unit"), related_name="+")
    base = models.IntegerField(_("base points"))
    points = models.IntegerField(_("points"))  # the sum of the month's entries
    score = models.IntegerField(_("score"))  # base + points
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    entries = models.PositiveIntegerField(_("entries"))

    class Meta:
        verbose_name = _("monthly total")
        verbose_name_plural = _("monthly totals")
        ordering = ["-score", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment_month", "person"], name="one_total_per_person_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.assessment_month}: {self.score}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")  # the entry is corrected
    PARTLY = "partly", _("Partly upheld")  # part of the entry is corrected
    REJECTED = "rejected", pgettext_lazy("appeal", "Rejected")


class Appeal(models.Model):
    """申诉: an employee contests one entry of their published month, with a reason, inside
    the appeal window; the decision is recorded and, when upheld, a correction entry books
    it (ASM-3)."""

    entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="appeal")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=AppealStatus, default=AppealStatus.PENDING
    )
    decision = models.TextField(_("decision"), blank=True)
    decided_by = optional_fk(Person, _("decided by"), related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    correction = models.OneToOneField(
        PointsEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("appealed at"))

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.person}: {self.entry}"


class ServiceStar(models.Model):
    """服务明星: each unit names one a month, or none (a vacancy); the reward grows with the
    consecutive months (ASM-6, 004 第5篇 二.3)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    person = optional_fk(Person, _("service star"), related_name="+")  # None: vacancy
    streak = models.PositiveSmallIntegerField(_("consecutive months"), default=0)
    entry = optional_fk(PointsEntry, _("reward entry"), related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    named_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    named_at = models.DateTimeField(_("named at"))

    class Meta:
        verbose_name = _("service star")
        verbose_name_plural = _("service stars")
        ordering = ["-month", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="one_star_per_unit_month")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}: {self.person or '—'}"


class WorstServiceRating(models.Model):
    """服务最差: a person with the pack's number of complaints in one month is rated worst,
    fined and published; the pack's number of ratings in total brings a dismissal proposal
    that a person decides (ASM-7, 004 第5篇 二.4)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    unit = optional_fk(Unit, _("unit"), related_name="+")
    month = models.DateField(_("month"))
    complaints = models.PositiveSmallIntegerField(_("complaints in the month"))
    ordinal = models.PositiveSmallIntegerField(_("rating in total"))  # 1st, 2nd, 3rd …
    entry = optional_fk(PointsEntry, _("fine entry"), related_name="+")
    created_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("worst-service rating")
        verbose_name_plural = _("worst-service ratings")
        ordering = ["-month", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="one_worst_rating_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    COMPUTED = "computed", _("Indicators computed")
    REPORTED = "reported", _("Report issued")  # fed back to the units
    CLOSED = "closed", pgettext_lazy("assessment plan", "Closed")


class AssessmentPlan(models.Model):
    """季度考核计划 (ASM-2): time, scope and indicators with their weights; the indicators
    are computed per person, unit and department, then a report with improvement
    suggestions is fed back to each unit."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))  # 1 … 4
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("scope"))
    # [{"code": "satisfaction", "weight": "30"}, …] — copied from the pack when drafted.
    indicators = models.JSONField(_("indicators"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus, default=PlanStatus.DRAFT
    )
    summary = models.TextField(_("report summary"), blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    approved_by = optional_fk(Person, _("approved by"), related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment plan")
        verbose_name_plural = _("assessment plans")
        ordering = ["-year", "-quarter", "-pk"]

    def __str__(self) -> str:
        return self.title


class Level(models.TextChoices):
    PERSON = "person", _("Person")
    UNIT = "unit", _("Unit")
    DEPARTMENT = "department", _("Department")


class IndicatorValue(models.Model):
    """One indicator of one person, unit or department in a plan's quarter, with the
    sample it rests on and its score (0 … 100)."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="values")
    level = models.CharField(_("level"), max_length=20, choices=Level)
    person = optional_fk(Person, _("person"), on_delete=models.CASCADE, related_name="+")
    unit = optional_fk(Unit, _("unit"), on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("indicator"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True)
    sample = models.PositiveIntegerField(_("sample"), default=0)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")

    def __str__(self) -> str:
        return f"{self.code}: {self.value}"


class Band(models.TextChoices):
    BENCHMARK = "benchmark", _("Benchmark")  # 标杆
    ADVANCED = "advanced", _("Advanced")  # 先进
    ORDINARY = "ordinary", _("Ordinary")
    LAGGARD = "laggard", _("Lagging behind")  # 后进


class AssessmentResult(models.Model):
    """The weighted score and rank of a person, unit or department in a plan, its band in
    the ranking (树标杆、奖先进、促后进), whether it passed, the branded-window eligibility
    (units), and the feedback with improvement suggestions the unit acknowledges."""

    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="results")
    level = models.CharField(_("level"), max_length=20, choices=Level)
    person = optional_fk(Person, _("person"), on_delete=models.CASCADE, related_name="+")
    unit = optional_fk(Unit, _("unit"), on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    band = models.CharField(_("band"), max_length=20, choices=Band, default=Band.ORDINARY)
    passed = models.BooleanField(_("passed"))
    eligible_branded = models.BooleanField(_("eligible for the branded window"), null=True)
    feedback = models.TextField(_("improvement suggestions"), blank=True)
    acknowledged_by = optional_fk(Person, _("acknowledged by"), related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["level", "rank"]

    def __str__(self) -> str:
        return f"{self.person or self.unit}: {self.score}"


class ConsequenceKind(models.TextChoices):
    """What follows an assessment (ASM-8, ASM-10), besides the sanctions of the scale."""

    RETRAINING = "retraining", _("Retraining")  # 培训
    REASSIGNMENT = "reassignment", _("Reassignment")  # 调整工作岗位
    DISMISSAL_PROPOSAL = "dismissal_proposal", _("Dismissal proposal")  # ASM-7
    DEPARTMENT_REWARD = "department_reward", _("Department reward")
    TEAM_REWARD = "team_reward", _("Team reward")
    COMMENDATION = "commendation", _("Commendation")  # 表彰优秀检查人员 / 个人
    SANCTION = "sanction", _("Sanction")  # one step of the penalty scale (`sanction`)


class ConsequenceStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DECIDED = "decided", _("Decided")
    REJECTED = "rejected", pgettext_lazy("consequence", "Rejected")
    DONE = "done", _("Done")  # carried out (the retraining completed …)


class Consequence(models.Model):
    """A consequence proposed from an assessment, a worst-service rating or an offence,
    and decided by the person the scale allows (ASM-8, ASM-10)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=ConsequenceKind)
    sanction = models.CharField(_("sanction"), max_length=20, choices=Sanction, blank=True)
    person = optional_fk(Person, _("person"), related_name="+")
    unit = optional_fk(Unit, _("unit"), related_name="+")
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=ConsequenceStatus, default=ConsequenceStatus.PROPOSED
    )
    source_entry = optional_fk(PointsEntry, _("from the entry"), related_name="+")
    source_rating = optional_fk(WorstServiceRating, _("from the rating"), related_name="+")
    source_result = optional_fk(AssessmentResult, _("from the result"), related_name="+")
    training = optional_fk(TrainingAssignment, _("training assignment"), related_name="+")
    decision = models.TextField(_("decision"), blank=True)
    decided_by = optional_fk(Person, _("decided by"), related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = optional_fk(Person, _("proposed by"), related_name="+")
    created_at = models.DateTimeField(_("proposed at"))

    class Meta:
        verbose_name = _("consequence")
        verbose_name_plural = _("consequences")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.person or self.unit}"
