"""时限: every time limit of every capability (DESIGN mechanism 2, X-5), and the working-time
calendars a rule may choose instead of the wall clock.

A deadline is written only by `services` (open, meet, pause, resume, cancel) and by the
sweep (`sweep.sweep`), which claims each escalation step with a conditional UPDATE on
`escalation_step` so that a step is taken exactly once however many sweeps run.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.fields import company_fk, optional_fk, person_fk, unique_shared_and_per_company
from pinzhi.orgs.roles import Role

DEFAULT_TIME_ZONE = "Asia/Shanghai"
WEEKDAYS = ("0", "1", "2", "3", "4", "5", "6")  # Monday = "0", as date.weekday()


def default_hours() -> dict[str, list[list[str]]]:
    """Monday to Friday 09:00–12:00 and 13:30–18:00; weekends off."""
    day = [["09:00", "12:00"], ["13:30", "18:00"]]
    return {d: ([list(p) for p in day] if int(d) < 5 else []) for d in WEEKDAYS}


class Calendar(models.Model):
    """工作时间日历: working hours per weekday plus holidays and make-up working days (X-5).
    A make-up working day (调休上班) uses Monday's working hours.

    A calendar belongs to one company, whose quality department maintains it; a calendar
    without a company is shared (the public holidays shipped with the product, kept by an
    operator): every company may count on it, none may change it."""

    company = company_fk(on_delete=models.CASCADE)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=60, default=DEFAULT_TIME_ZONE)
    # {"0": [["09:00", "12:00"], ["13:30", "18:00"]], ..., "6": []}; "24:00" ends a day.
    hours = models.JSONField(_("working hours"), default=default_hours)

    class Meta:
        verbose_name = _("working-time calendar")
        verbose_name_plural = _("working-time calendars")
        ordering = ["code"]
        constraints = unique_shared_and_per_company(
            "code",
            shared_name="calendar_shared_code_unique",
            company_name="calendar_code_unique_in_company",
        )

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_shared(self) -> bool:
        return self.company_id is None


class CalendarDay(models.Model):
    """One exception to the weekly pattern: a public holiday (放假) or a make-up working day
    (调休上班), entered by an administrator or imported from a file."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday")
        WORKDAY = "workday", _("Make-up working day")

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class Deadline(models.Model):
    """时限: one time limit on one subject (a complaint, a rectification, a report …).

    `ladder` is the escalation ladder: a list of steps {"after": seconds of overrun,
    "level": "handler" | "department_head" | …} sorted by "after", whose first step (after 0)
    is the breach itself. `escalation_step` counts the steps taken and is the idempotency key
    of the sweep; `next_escalation_at` is when the next step is due (null when none is), so
    the sweep is one indexed range query."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("subject type")
    )
    object_id = models.CharField(_("subject id"), max_length=64)
    subject = GenericForeignKey("content_type", "object_id")
    subject_repr = models.CharField(_("subject"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=80, db_index=True)
    rule_key = models.CharField(_("policy rule"), max_length=120, blank=True)
    started_at = models.DateTimeField(_("started at"))
    duration = models.DurationField(_("allowed time"))
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("calendar"),
        help_text=_("Empty: wall-clock time."),
    )
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    # Time not counted because the deadline was paused, measured like `duration` (working
    # time for a working-time calendar).
    paused_total = models.DurationField(_("time paused"), default=timedelta)
    ladder = models.JSONField(_("escalation ladder"), default=list)
    escalation_step = models.PositiveIntegerField(_("escalation steps taken"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    owner = person_fk(_("owner"), related_name="deadlines")
    # Issue 8 item 1: when no one person owns the limit (nobody can be determined), the
    # holders of this role in the deadline's scope do: they are told at the breach.
    # A role code of orgs.roles.Role; no `choices`, so that a new role needs no migration here.
    owner_role = models.CharField(_("owning role"), max_length=30, blank=True)
    unit = optional_fk("orgs.Unit", _("unit"), related_name="deadlines")
    # The company whose obligation this is: a case without a unit still belongs to one (ORG-2).
    company = company_fk(on_delete=models.PROTECT, related_name="deadlines")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep: WHERE next_escalation_at <= now ORDER BY next_escalation_at, id.
            models.Index(
                fields=["next_escalation_at", "id"],
                name="deadline_sweep",
                condition=models.Q(next_escalation_at__isnull=False),
            ),
            models.Index(fields=["content_type", "object_id"], name="deadline_subject"),
            models.Index(fields=["state", "due_at"], name="deadline_state_due"),
            models.Index(fields=["owner", "state"], name="deadline_owner_state"),
            models.Index(fields=["unit", "state"], name="deadline_unit_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.subject_repr}"

    @property
    def owner_role_label(self) -> str:
        """The owning role in words (「服务台」), "" without one."""
        if not self.owner_role:
            return ""
        return (
            str(Role(self.owner_role).label) if self.owner_role in Role.values else self.owner_role
        )

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.OPEN, self.State.BREACHED)

    @property
    def met_late(self) -> bool:
        return self.state == self.State.MET and self.breached_at is not None

    def overrun(self, at: datetime) -> timedelta:
        """How far past due at `at` (zero when not yet due); a met deadline stops at met_at,
        a paused one at paused_at."""
        end = self.met_at or self.paused_at or self.cancelled_at or at
        return max(end - self.due_at, timedelta(0))

    def remaining(self, at: datetime) -> timedelta:
        return self.due_at - at

    def step_at(self, index: int) -> datetime | None:
        """When ladder step `index` (0-based) is due, or None past the end of the ladder."""
        if index >= len(self.ladder):
            return None
        return self.due_at + timedelta(seconds=self.ladder[index]["after"])


class RuleCalendar(models.Model):
    """The calendar a policy rule's deadlines count on, chosen by a company's quality
    department for its own deadlines (X-5); a row without a company is the operator's
    default for every company without its own choice. A rule without a row counts on the
    wall clock."""

    company = company_fk(on_delete=models.CASCADE)
    pack = models.CharField(_("policy pack"), max_length=40)
    rule_key = models.CharField(_("policy rule"), max_length=120)
    # None: the company counts this rule on the wall clock although the operator's default
    # names a calendar.
    calendar = optional_fk(Calendar, _("calendar"), related_name="rules")

    class Meta:
        verbose_name = _("calendar of a rule")
        verbose_name_plural = _("calendars of rules")
        ordering = ["pack", "rule_key"]
        constraints = unique_shared_and_per_company(
            "pack",
            "rule_key",
            shared_name="rule_calendar_unique",
            company_name="rule_calendar_unique_in_company",
        )

    def __str__(self) -> str:
        clock = self.calendar.code if self.calendar else "wall clock"
        return f"{self.pack}/{self.rule_key} → {clock}"
