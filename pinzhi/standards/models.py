"""Service items and their measurable standards (STD-1).

The catalogue the checklists, goals and commitments refer to: a service item (服务项目) such as
cleaning or security, and its standards (服务标准), each measurable and of one quality dimension
(000 检验管理规定 第十四条)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.fields import optional_fk, person_fk
from pinzhi.orgs.models import Company, Post, Unit


class Category(models.TextChoices):
    """The kinds of service the seeds describe (STD-1)."""

    CLEANING = "cleaning", _("Cleaning")  # 清洁
    SECURITY = "security", _("Security")  # 安全 / 秩序维护
    GREENING = "greening", _("Greening")  # 绿化
    FACILITIES = "facilities", _("Facilities")  # 设施设备
    CUSTOMER_SERVICE = "customer_service", _("Customer service")  # 客户服务
    IT_INCIDENTS = "it_incidents", _("IT incidents")  # 运维事件
    WINDOW_SERVICE = "window_service", _("Window service")  # 服务窗口
    SHOP = "shop", _("Shop service")  # 店面服务
    CANTEEN = "canteen", _("Canteen service")  # 食堂 / 餐饮


class Dimension(models.TextChoices):
    """The five dimensions a standard measures (000 检验管理规定 第十四条)."""

    ATTITUDE = "attitude", _("Attitude")  # 服务态度
    EFFICIENCY = "efficiency", pgettext_lazy("quality dimension", "Efficiency")  # 服务效率
    SKILL = "skill", _("Skill")  # 服务技能
    ENVIRONMENT = "environment", _("Environment")  # 服务环境
    RESULT = "result", pgettext_lazy("quality dimension", "Result")  # 服务结果


class StandardStatus(models.TextChoices):
    """Whether a standard is in force (STD-2)."""

    DRAFT = "draft", _("Not yet published")
    PUBLISHED = "published", _("In force")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ServiceItem(models.Model):
    """服务项目: a service the company delivers and measures (STD-1)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="service_items")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=30, choices=Category)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["company", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="service_item_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class Standard(models.Model):
    """服务标准: one measurable requirement of a service item (STD-1), e.g. 「公共场所每天至少
    打扫一次」, of one dimension. Its life (draft → comments → approval → published) and its
    versions are kept by the standards services (STD-2)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="standards")
    item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        related_name="standards",
        verbose_name=_("service item"),
    )
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("requirement"))
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension)
    # How it is measured, in people's words (「≥ 1 次/天」, 「3 声内接听」).
    measure = models.CharField(_("measure"), max_length=200, blank=True)
    # The pack rule whose value the standard states, when one does (standards.theft_rate …).
    rule_key = models.CharField(_("rule"), max_length=100, blank=True)
    # Where the standard comes from: the regulation's clause for a catalogue standard.
    source = models.CharField(_("source"), max_length=200, blank=True)
    # Whether the standard is in force: published (its current version), withdrawn, or
    # still a draft that was never published (STD-2).
    status = models.CharField(
        _("status"), max_length=20, choices=StandardStatus, default=StandardStatus.DRAFT
    )

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["company", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="standard_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class VersionState(models.TextChoices):
    """The life of one version of a standard (STD-2, 000 范本 第七条): drafted by the working
    group, out for comments from the departments and the users, submitted for approval,
    approved by leadership, published; a later version supersedes it; it may be withdrawn."""

    DRAFT = "draft", _("Draft")  # 草案
    CONSULTATION = "consultation", _("Out for comments")  # 征求意见
    SUBMITTED = "submitted", _("Awaiting approval")  # 报审
    APPROVED = "approved", _("Approved")  # 已审批
    PUBLISHED = "published", _("Published")  # 已发布
    SUPERSEDED = "superseded", _("Superseded")  # 已被新版本替代
    WITHDRAWN = "withdrawn", _("Withdrawn")  # 已废止


class StandardVersion(models.Model):
    """One version of a standard's text (STD-2). A published version is never edited: a change
    is a new version that goes through the same steps, and the old versions stay readable."""

    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="versions", verbose_name=_("standard")
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("requirement"))
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension)
    measure = models.CharField(_("measure"), max_length=200, blank=True)
    change_note = models.TextField(_("what changes and why"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=VersionState, default=VersionState.DRAFT
    )
    drafted_by = person_fk(_("drafted by"))
    drafted_at = models.DateTimeField(_("drafted at"))
    consultation_opened_at = models.DateTimeField(_("out for comments since"), null=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True)
    approved_by = person_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True)
    published_by = person_fk(_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True)
    # The next periodic review (复审), tracked as a deadline "standard.review".
    review_due = models.DateTimeField(_("next review"), null=True)
    reviewed_at = models.DateTimeField(_("last reviewed"), null=True)
    ended_at = models.DateTimeField(_("superseded or withdrawn at"), null=True)
    end_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "number"], name="standard_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.number}"

    @property
    def company_id(self) -> int:  # the timeline's and the deadlines' company of the record
        return self.standard.company_id

    @property
    def timeline_label(self) -> str:
        return f"{self.standard.code} {self.title} (v{self.number})"


class CommentSource(models.TextChoices):
    DEPARTMENT = "department", _("Department")  # 相关部门
    USER = "user", _("User")  # 用户（客户、业主）


class StandardComment(models.Model):  # noqa: DJ008 (shown with its version)
    """An opinion on a draft standard (征求意见, STD-2): from a department, or from the users
    (written down by the person who collected it)."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="comments")
    source = models.CharField(_("from"), max_length=20, choices=CommentSource)
    unit = optional_fk(Unit, _("department"))
    commenter_name = models.CharField(_("commenter"), max_length=120, blank=True)
    text = models.TextField(_("comment"))
    author = person_fk(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("comment on a standard")
        verbose_name_plural = _("comments on standards")
        ordering = ["version", "created_at", "pk"]


class GoalMetric(models.TextChoices):
    """What a quality goal measures (STD-3, 002 第三章)."""

    SATISFACTION_RATE = "satisfaction_rate", _("Satisfaction rate (%)")  # 满意率
    COMPLAINT_COUNT = "complaint_count", _("Complaints (at most)")  # 投诉件数
    RESPONSE_HOURS = "response_hours", _("Response time (hours, at most)")  # 响应时间
    RESOLUTION_RATE = "resolution_rate", _("Complaints resolved on time (%)")  # 按时解决率
    INSPECTION_PASS_RATE = "inspection_pass_rate", _("Inspections passed (%)")  # 检查合格率


# The metrics where a lower figure is better: their target is a ceiling.
GOAL_CEILINGS = frozenset({GoalMetric.COMPLAINT_COUNT, GoalMetric.RESPONSE_HOURS})
GOAL_PERCENTS = frozenset(
    {GoalMetric.SATISFACTION_RATE, GoalMetric.RESOLUTION_RATE, GoalMetric.INSPECTION_PASS_RATE}
)


class GoalPeriod(models.TextChoices):
    MONTH = "month", _("Per month")
    QUARTER = "quarter", _("Per quarter")
    YEAR = "year", _("Per year")


class QualityGoal(models.Model):
    """服务质量目标 of a unit (STD-3): a target for one metric and period, from its effective
    date. Goals are adjusted over time (002 第三章 动态调整): an adjustment is a new row — a
    new version — with its own effective date; earlier versions are kept."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="quality_goals")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="quality_goals", verbose_name=_("unit")
    )
    metric = models.CharField(_("goal"), max_length=30, choices=GoalMetric)
    period = models.CharField(_("period"), max_length=10, choices=GoalPeriod)
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2)
    version = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    reason = models.TextField(_("reason"), blank=True)
    set_by = person_fk(_("set by"))
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("quality goal")
        verbose_name_plural = _("quality goals")
        ordering = ["unit__path", "metric", "period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "metric", "period", "version"], name="quality_goal_unique_version"
            ),
            models.UniqueConstraint(
                fields=["unit", "metric", "period", "effective_from"],
                name="quality_goal_unique_effective",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_metric_display()} · {self.target}"

    @property
    def is_ceiling(self) -> bool:
        return self.metric in GOAL_CEILINGS


class ServiceLevelAgreement(models.Model):
    """服务级别协议 (SLA) agreed with a customer in a service contract (STD-3, 003 4.3(1)):
    the targets the service reports its achievement against (003 4.3(3)(4))."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="slas")
    customer = models.CharField(_("customer"), max_length=200)
    contract_number = models.CharField(_("contract number"), max_length=60)
    unit = optional_fk(Unit, _("serving unit"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    response_minutes = models.PositiveIntegerField(_("response within (minutes)"), null=True)
    resolution_hours = models.PositiveIntegerField(_("resolution within (hours)"), null=True)
    availability_percent = models.DecimalField(
        _("availability (%)"), max_digits=5, decimal_places=2, null=True
    )
    satisfaction_percent = models.DecimalField(
        _("satisfaction (%)"), max_digits=5, decimal_places=2, null=True
    )
    callback_hours = models.PositiveIntegerField(_("callback within (hours)"), null=True)
    notes = models.TextField(_("other terms"), blank=True)
    created_by = person_fk(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"))
    ended_at = models.DateTimeField(_("ended at"), null=True)

    class Meta:
        verbose_name = _("service level agreement")
        verbose_name_plural = _("service level agreements")
        ordering = ["company", "customer", "contract_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "contract_number"], name="sla_unique_contract_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.contract_number}"


class CommitmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ServiceCommitment(models.Model):
    """服务承诺 of a post (STD-4, 004 第5篇 附1): what the people at a post promise the
    customers, published on the public page under the company's name."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="commitments")
    post = optional_fk(Post, _("post"))
    post_name = models.CharField(_("post"), max_length=120)
    text = models.TextField(_("commitments"))
    state = models.CharField(
        _("state"), max_length=20, choices=CommitmentState, default=CommitmentState.DRAFT
    )
    created_by = person_fk(_("written by"))
    created_at = models.DateTimeField(_("written at"))
    published_by = person_fk(_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True)

    class Meta:
        verbose_name = _("service commitment")
        verbose_name_plural = _("service commitments")
        ordering = ["company", "post_name", "pk"]

    def __str__(self) -> str:
        return self.post_name

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]
