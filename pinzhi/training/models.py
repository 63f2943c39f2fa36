"""Training (TRN-1): courses, sessions, attendance with test scores, and the assignments a
person must complete — the inspectors' annual training and the retraining that follows a
failed assessment (ASM-8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.clock import now
from pinzhi.lib.fields import optional_fk
from pinzhi.lib.months import day_of
from pinzhi.orgs.models import Company, Person


class Topic(models.TextChoices):
    SERVICE_AWARENESS = "service_awareness", _("Service awareness")  # 服务意识
    PROCESS = "process", _("Service process")  # 服务流程
    COMMUNICATION = "communication", _("Communication")  # 沟通技巧
    EMERGENCY = "emergency", _("Emergency handling")  # 应急处理
    INSPECTION = "inspection", _("Inspection work")  # 监督检查业务
    OTHER = "other", _("Other")


class Course(models.Model):
    """课程: what is taught, for how many hours, and the test score that passes it."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    pass_score = models.DecimalField(
        _("pass score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="course_code_unique")
        ]

    def __str__(self) -> str:
        return self.title


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", pgettext_lazy("training session", "Cancelled")


class TrainingSession(models.Model):
    """培训场次: one sitting of a course, with its trainer and place."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus, default=SessionStatus.PLANNED
    )
    created_by = optional_fk(Person, _("created by"), related_name="+")

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    """签到与考试: who attended a session and their test score."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(_("attended"), default=False)
    score = models.DecimalField(
        _("test score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True)
    recorded_by = optional_fk(Person, _("recorded by"), related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_attendance_each")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class AssignmentReason(models.TextChoices):
    ANNUAL = "annual", _("Annual training")  # 年度培训 (inspectors, TRN-1)
    RETRAINING = "retraining", _("Retraining after an assessment")  # ASM-8
    REGULAR = "regular", _("Regular staff training")


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", pgettext_lazy("training assignment", "Cancelled")


class TrainingAssignment(models.Model):
    """A training a person must complete by a date, tracked to completion (a passed
    attendance of the course)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    course = optional_fk(Course, _("course"), related_name="assignments")
    reason = models.CharField(_("reason"), max_length=20, choices=AssignmentReason)
    note = models.TextField(_("note"), blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=AssignmentStatus, default=AssignmentStatus.OPEN
    )
    attendance = optional_fk(Attendance, _("completed by"), related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_by = optional_fk(Person, _("assigned by"), related_name="+")
    created_at = models.DateTimeField(_("assigned at"))
    # A passed attendance counts from here (the annual training's period), else from
    # created_at; warned_at: when the daily check warned that it falls behind (once).
    counts_from = models.DateTimeField(_("counts from"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.person}: {self.course or self.get_reason_display()}"

    @property
    def is_overdue(self) -> bool:
        """Open and past its due date (Asia/Shanghai)."""
        return self.status == AssignmentStatus.OPEN and self.due_on < day_of(now())
