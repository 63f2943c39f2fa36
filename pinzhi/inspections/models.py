"""Checklist templates, plans, schedules, sampling draws, inspections and their answers (INS).

A template (巡检表) has versions; an inspection keeps the version it used, so that editing a
template never changes a completed inspection's items or score (INS-4). A schedule turns a
recurrence rule (RFC 5545) into inspection tasks ahead of time (INS-1); a sampling draw records
its seed, algorithm and population so that anyone can re-run it (INS-3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.fields import optional_fk, person_fk
from pinzhi.orgs.models import Company, Unit
from pinzhi.standards.models import Standard


class Cadence(models.TextChoices):
    """How often a template's check is made: the supplier evaluation counts failed daily and
    weekly checks (NCR-5, 004 第3篇)."""

    DAILY = "daily", _("Daily check")  # 日检
    WEEKLY = "weekly", _("Weekly check")  # 周检
    MONTHLY = "monthly", _("Monthly check")  # 月检
    QUARTERLY = "quarterly", _("Quarterly check")  # 季检
    OCCASIONAL = "occasional", _("Occasional check")  # 不定期


class Severity(models.TextChoices):
    """How serious a nonconformity is; it decides the handling and the deadline (NCR-1)."""

    SERIOUS = "serious", _("Serious")  # 严重
    GENERAL = "general", _("General")  # 一般
    MINOR = "minor", _("Minor")  # 轻微


class ChecklistTemplate(models.Model):
    """巡检表: a checklist template, e.g. 服务质量巡检表 or 清洁服务日检查表 (INS-4)."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="checklist_templates"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    cadence = models.CharField(
        _("cadence"), max_length=20, choices=Cadence, default=Cadence.OCCASIONAL
    )
    description = models.TextField(_("description"), blank=True)
    # The percentage at or above which an inspection passes (a failed critical item fails it
    # whatever the percentage).
    pass_percent = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=60
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Where the template comes from: the clause of the regulations it follows
    # (「000 物业公司 3.1~3.4」), for a template installed from a pack.
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_by = person_fk(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["company", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="checklist_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One version of a template's items. A draft is edited; a published version is frozen and
    used by new inspections; a completed inspection keeps its version for ever (INS-4)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = person_fk(_("published by"))
    created_at = models.DateTimeField(_("created at"), null=True, blank=True)
    created_by = person_fk(_("created by"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
            # One draft at a time: a second "new draft" finds the first (INS-4).
            models.UniqueConstraint(
                fields=["template"],
                condition=models.Q(status="draft"),
                name="template_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class ChecklistItem(models.Model):
    """检查项: one item of a template version (INS-4). Scored pass/fail or 0…`max_score`;
    "not applicable" (when allowed) leaves it out of the denominator; a failed critical item
    fails the whole inspection; a follow-up item is shown only when its parent fails."""

    class Scoring(models.TextChoices):
        PASS_FAIL = "pass_fail", _("Pass / fail")
        SCALE = "scale", _("Score 0…N")

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(_("order"))
    section = models.CharField(_("section"), max_length=120, blank=True)
    code = models.CharField(_("code"), max_length=40)
    text = models.CharField(_("item"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    standard = optional_fk(Standard, _("standard"), related_name="checklist_items")
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    scoring = models.CharField(
        _("scoring"), max_length=20, choices=Scoring, default=Scoring.PASS_FAIL
    )
    max_score = models.PositiveIntegerField(_("maximum score"), default=1)
    # At or above this score a scale item passes; below it, it is a nonconformity.
    pass_score = models.PositiveIntegerField(_("pass score"), default=1)
    allow_na = models.BooleanField(_("may be not applicable"), default=True)
    critical = models.BooleanField(_("critical"), default=False)
    photo_on_failure = models.BooleanField(_("photo required on failure"), default=False)
    follow_up_of = optional_fk(
        "self", _("follow-up of"), on_delete=models.CASCADE, related_name="follow_ups"
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="checklist_item_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class InspectionKind(models.TextChoices):
    """巡检 / 抽查 / 联查 / 专项 (GLOSSARY; INS-1, INS-2)."""

    ROUTINE = "routine", _("Routine inspection")  # 日常巡检
    SPOT_CHECK = "spot_check", _("Spot check")  # 抽查
    JOINT = "joint", _("Joint check")  # 联查
    SUPERVISION = "supervision", _("Supervision check")  # 监督检查
    SELF_CHECK = "self_check", _("Self check")  # 自查
    SPECIAL = "special", _("Special inspection")  # 专项 / 特别检查


class Classification(models.Model):
    """The kinds of INS-2 an inspection, a schedule or a plan entry carries."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=InspectionKind, default=InspectionKind.ROUTINE
    )
    # 定期 / 特别检查 (for one problem or incident — 000 第十条~第十二条)
    is_special = models.BooleanField(_("special (not regular)"), default=False)
    # 明查 / 暗查: an unannounced inspection is invisible to the inspected unit until it starts.
    is_announced = models.BooleanField(_("announced"), default=True)
    # 例行 / 突击
    is_surprise = models.BooleanField(_("surprise"), default=False)
    # 专项 / 综合
    is_specialised = models.BooleanField(_("specialised (not comprehensive)"), default=False)

    class Meta:
        abstract = True


class InspectionPlan(models.Model):
    """检查计划: the year's inspection plan, approved by leadership and notified to the units
    in advance (INS-1)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        NOTIFIED = "notified", _("Notified to the units")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="inspection_plans")
    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    created_by = person_fk(_("created by"))
    approved_by = person_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    # --- planning (INS-1): who submitted it, and why leadership sent it back, if it did.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = person_fk(_("submitted by"))
    returned_reason = models.CharField(_("reason sent back"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["company", "-year", "title"]

    def __str__(self) -> str:
        return self.title


class PlanEntry(Classification):
    """计划条目: one line of the year's plan — what is checked, at which units, from when to
    when, and of which kind (INS-1, INS-2). An unannounced entry is never told to its units."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="entries")
    title = models.CharField(_("what is checked"), max_length=200)
    template = optional_fk(ChecklistTemplate, _("checklist"), related_name="plan_entries")
    units = models.ManyToManyField(Unit, related_name="plan_entries", verbose_name=_("units"))
    starts_on = models.DateField(pgettext_lazy("period start", "from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        ordering = ["plan", "starts_on", "pk"]

    def __str__(self) -> str:
        return self.title


class Schedule(Classification):
    """检查排程: a recurrence (RFC 5545 RRULE, read with python-dateutil) of inspections of some
    units with one template, materialised ahead as inspection tasks (INS-1). With a sampling
    proportion, each occurrence draws that share of the units at random (INS-3)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="schedules")
    plan = optional_fk(InspectionPlan, _("inspection plan"), related_name="schedules")
    title = models.CharField(_("title"), max_length=200)
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="schedules"
    )
    # e.g. "FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYMONTHDAY=10", "FREQ=DAILY"
    rrule = models.CharField(_("recurrence rule"), max_length=500)
    starts_at = models.DateTimeField(_("first occurrence"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    # The pack rule the frequency comes from (inspections.cleaning_daily_check …), if any.
    rule_key = models.CharField(_("rule"), max_length=100, blank=True)
    units = models.ManyToManyField(Unit, related_name="schedules", verbose_name=_("units"))
    inspector = person_fk(_("inspector"), related_name="inspection_schedules")
    # The supplier whose contracted service is checked (NCR-5), if any.
    supplier = optional_fk(Company, _("supplier"), related_name="supplier_schedules")
    sample_percent = models.DecimalField(
        _("sampling proportion (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # How long after its occurrence a task is due.
    due_within = models.DurationField(_("due within"))
    is_active = models.BooleanField(_("active"), default=True)
    # Tasks exist for every occurrence before this moment (the rolling window).
    materialised_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = person_fk(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["company", "title"]

    def __str__(self) -> str:
        return self.title


class SamplingDraw(models.Model):
    """抽查抽样: a reproducible random draw of units (INS-3): the seed, the algorithm's name and
    version, the population in the order drawn from and the units drawn."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="sampling_draws")
    schedule = optional_fk(Schedule, _("schedule"), related_name="draws")
    occurrence = models.DateTimeField(_("occurrence"), null=True, blank=True)
    seed = models.CharField(_("seed"), max_length=64)
    algorithm = models.CharField(_("algorithm"), max_length=60)
    percent = models.DecimalField(_("proportion (%)"), max_digits=5, decimal_places=2)
    population = models.JSONField(_("population (unit ids)"))
    drawn = models.JSONField(_("units drawn (unit ids)"))
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = person_fk(_("drawn by"))
    # An ad-hoc draw says what it is for (a schedule's draw names its schedule).
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sampling draw")
        verbose_name_plural = _("sampling draws")
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.seed} {self.drawn_at:%Y-%m-%d}"


class Inspection(Classification):
    """巡检 / 监督检查: one inspection of one unit (or external company, INS-8) with one template
    version — a task until it starts, then conducted on a phone (INS-5), scored from its
    template, reported (INS-7). Idempotent: `client_key` is the phone's key for it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")  # a task, not started
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        REPORTED = "reported", _("Report sent")  # the report approved and sent (INS-7)
        CANCELLED = "cancelled", _("Cancelled")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="inspections")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("unit")
    )
    # ORG-4 / INS-8: the external company inspected by a supervising body, if any.
    inspected_company = optional_fk(
        Company, _("inspected company"), related_name="inspections_received"
    )
    supplier = optional_fk(Company, _("supplier"), related_name="supplier_inspections")
    template_version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("checklist"),
    )
    plan = optional_fk(InspectionPlan, _("inspection plan"), related_name="inspections")
    schedule = optional_fk(Schedule, _("schedule"), related_name="inspections")
    draw = optional_fk(SamplingDraw, _("sampling draw"), related_name="inspections")
    # The schedule's occurrence this task stands for: one task per schedule, unit and
    # occurrence, however often the window is materialised.
    occurrence = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    inspector = person_fk(_("inspector"), related_name="inspections_made")
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PLANNED, db_index=True
    )
    client_key = models.UUIDField(_("client key"), null=True, blank=True, unique=True)
    # INS-6: the inspector's declaration of no conflict of interest.
    declared_at = models.DateTimeField(
        _("declared no conflict of interest at"), null=True, blank=True
    )
    # INS-5: credentials shown and the unit's consent.
    credentials_shown = models.BooleanField(_("credentials shown"), default=False)
    consent_by = models.CharField(_("consent given by"), max_length=60, blank=True)
    consent_at = models.DateTimeField(_("consent at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Observations, interviews (面谈调查) and document review (资料审查), INS-5.
    observations = models.TextField(_("observations"), blank=True)
    interviews = models.TextField(_("interviews"), blank=True)
    documents_reviewed = models.TextField(_("documents reviewed"), blank=True)
    # Computed from the template on submission (inspections.scoring).
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(
        _("maximum score"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    percent = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    failed_critical = models.BooleanField(_("a critical item failed"), default=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    created_by = person_fk(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "unit", "occurrence"],
                condition=models.Q(schedule__isnull=False),
                name="inspection_one_task_per_occurrence",
            )
        ]
        indexes = [
            models.Index(fields=["company", "status", "due_at"], name="inspection_company_due"),
            models.Index(fields=["inspector", "status", "due_at"], name="inspection_inspector_due"),
            models.Index(fields=["unit", "status", "due_at"], name="inspection_unit_due"),
        ]

    def __str__(self) -> str:
        return f"{self.template_version.template} — {self.unit}"


class Answer(models.Model):
    """One item's answer in an inspection (INS-5). A failed answer is a nonconformity (不合格项)
    with its severity, confirmed by the responsible person's signature or own account."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_APPLICABLE = "na", _("Not applicable")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    result = models.CharField(_("result"), max_length=10, choices=Result)
    # For a scale item, the score given; a pass/fail item stores none.
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity, blank=True)
    # The phone's idempotency key for this answer: a resend never makes a second one.
    client_key = models.UUIDField(_("client key"), null=True, blank=True, unique=True)
    answered_at = models.DateTimeField(pgettext_lazy("inspection", "answered at"))  # on the phone
    received_at = models.DateTimeField(pgettext_lazy("inspection", "received at"))  # on the server
    answered_by = person_fk(_("answered by"))
    # 签字确认 (000 检验办法 4.1): the responsible person confirms the nonconformity by a
    # signature drawn on screen (an attachment) or from their own account.
    confirmed_by_name = models.CharField(_("confirmed by"), max_length=60, blank=True)
    confirmed_by = person_fk(_("confirmed by (account)"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("inspection", "answer")
        verbose_name_plural = pgettext_lazy("inspection", "answers")
        ordering = ["inspection", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="answer_one_per_item")
        ]
        indexes = [models.Index(fields=["item", "-answered_at"], name="answer_item_recent")]

    def __str__(self) -> str:
        return f"{self.item} — {self.get_result_display()}"


class Photo(models.Model):
    """A photo taken on the phone for an answer (INS-5): the stored file is a timeline
    attachment (its SHA-256 recorded on the timeline); the capture time is the phone's."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="photos")
    attachment = models.OneToOneField(
        "timeline.Attachment", on_delete=models.PROTECT, related_name="+"
    )
    captured_at = models.DateTimeField(_("taken at"))
    annotated = models.BooleanField(_("marked up"), default=False)
    client_key = models.UUIDField(_("client key"), unique=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["answer", "captured_at"]

    def __str__(self) -> str:
        return f"{self.answer} @ {self.captured_at:%Y-%m-%d %H:%M}"


# --- conducting and reporting (INS-5, INS-7, INS-8) -----------------------------------------


class Signature(models.Model):
    """签字确认: the responsible person's signature drawn on the phone's screen for one
    nonconformity (a PNG timeline attachment), or their confirmation from their own account
    (INS-5; 000 检验办法 4.1). Idempotent by the phone's `client_key`."""

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="signature")
    attachment = models.OneToOneField(
        "timeline.Attachment", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    signed_by_name = models.CharField(_("signed by"), max_length=60)
    signed_at = models.DateTimeField(_("signed at"))
    client_key = models.UUIDField(_("client key"), unique=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return f"{self.signed_by_name} @ {self.signed_at:%Y-%m-%d %H:%M}"


class InspectionReport(models.Model):
    """检查报告 (INS-7): the problems found (from the failed answers), their causes,
    suggestions for improvement and the next steps; approved by the quality department and
    then sent to the unit. For an external company inspected by a supervising body (INS-8) it
    has the supervision sections as well (registration and licence come from the Company)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        SENT = "sent", _("Approved and sent")

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, related_name="report", verbose_name=_("inspection")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    problems = models.TextField(_("problems found"), blank=True)
    causes = models.TextField(_("cause analysis"), blank=True)
    suggestions = models.TextField(_("improvement suggestions"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    # INS-8: the supervising body's sections for an external company.
    owner_satisfaction = models.TextField(_("owner satisfaction"), blank=True)
    complaint_handling = models.TextField(_("complaint handling"), blank=True)
    internal_rules = models.TextField(_("internal rules"), blank=True)
    finances = models.TextField(_("finances"), blank=True)
    compliance = models.TextField(_("compliance"), blank=True)
    written_by = person_fk(_("written by"))
    submitted_at = models.DateTimeField(_("submitted for approval at"), null=True, blank=True)
    approved_by = person_fk(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")

    def __str__(self) -> str:
        return f"{self.inspection}"
