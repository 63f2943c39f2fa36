"""Complaints (投诉): registration, routing, handling, callback, closure (CMP-1 … CMP-9)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.fields import optional_fk, person_fk
from pinzhi.orgs.models import Company, Unit


class Channel(models.TextChoices):
    """CMP-1: the ways a complaint reaches the company."""

    HOTLINE = "hotline", _("Hotline")  # 服务热线
    WECHAT = "wechat", _("WeChat official account")  # 微信公众号
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")  # 意见箱
    WALK_IN = "walk_in", _("Walk-in")  # 来访
    EMAIL = "email", _("E-mail")  # 电子邮件
    WEB_FORM = "web_form", _("Web form")  # 网上投诉
    OPINION_CARD = "opinion_card", _("Guest opinion card")  # 宾客意见征求表
    REPORT_HOTLINE = "report_hotline", _("Supervision / report hotline")  # 监督举报电话
    API = "api", _("Integration (API)")
    IMPORT = "import", _("Imported record")


class Category(models.TextChoices):
    """What the complaint is about; attitude complaints carry their own points (ASM-4)."""

    ATTITUDE = "attitude", _("Service attitude")  # 服务态度
    EFFICIENCY = "efficiency", _("Efficiency")  # 办事效率
    SKILL = "skill", _("Professional skill")  # 专业技能
    ENVIRONMENT = "environment", _("Environment and hygiene")  # 环境卫生
    SECURITY = "security", _("Security")  # 安全秩序
    FACILITIES = "facilities", _("Facilities and repairs")  # 设施维修
    GREENING = "greening", _("Greening")  # 绿化
    CHARGES = "charges", _("Fees and charges")  # 收费
    RESULT = "result", _("Service result")  # 服务结果
    OTHER = "other", _("Other")  # 其他


class Severity(models.TextChoices):
    """CMP-3/CMP-4: severity decides the time limits and the level of manager in charge."""

    GENERAL = "general", _("General")  # 一般
    URGENT = "urgent", _("Urgent (safety or daily living)")  # 紧急
    MAJOR = "major", _("Major")  # 重大


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")  # 已登记
    NOT_ESTABLISHED = "not_established", _("Not established")  # 不成立
    ROUTED = "routed", _("Contact letter sent")  # 已发工作联系函
    ACKNOWLEDGED = "acknowledged", _("Receipt signed")  # 已签收
    IN_PROGRESS = "in_progress", _("Being handled")  # 处理中
    RESOLVED = "resolved", _("Resolved, awaiting callback")  # 已解决待回访
    CALLED_BACK = "called_back", _("Confirmed by the customer")  # 已回访
    CLOSED = "closed", _("Closed")  # 已结案


OPEN_STATUSES = (
    Status.REGISTERED,
    Status.ROUTED,
    Status.ACKNOWLEDGED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CALLED_BACK,
)


def severity_rank() -> models.Case:
    """Urgent 0, major 1, anything else 2: the lists' "most severe first" order, and the
    expression of the index that serves it (issue 9 item 3)."""
    return models.Case(
        models.When(severity=Severity.URGENT, then=models.Value(0)),
        models.When(severity=Severity.MAJOR, then=models.Value(1)),
        default=models.Value(2),
        output_field=models.IntegerField(),
    )


def new_tracking_code() -> str:
    """A code the customer can read out on the phone: no 0/O, 1/I/L."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "TS" + "".join(secrets.choice(alphabet) for _ in range(8))


class Complaint(models.Model):
    """投诉 — the registration record (客户投诉记录表) and the state of its handling."""

    tracking_code = models.CharField(
        _("tracking code"), max_length=12, unique=True, default=new_tracking_code, editable=False
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="complaints")
    # Where the service was given (an estate, a window); the department complained about is
    # set when the contact letter routes the case.
    location = optional_fk(Unit, _("estate / site"), related_name="complaints_here")
    department = optional_fk(
        Unit, _("department complained about"), related_name="complaints_against"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    category = models.CharField(_("category"), max_length=20, choices=Category)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity, default=Severity.GENERAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.REGISTERED, db_index=True
    )
    # The complainant; personal data, masked outside the case page (ORG-3).
    customer_name = models.CharField(_("customer name"), max_length=60)
    customer_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    customer_email = models.EmailField(_("e-mail"), blank=True)
    customer_address = models.CharField(_("address"), max_length=200, blank=True)
    customer = person_fk(
        _("customer account"), on_delete=models.SET_NULL, related_name="own_complaints"
    )
    title = models.CharField(pgettext_lazy("complaint", "subject"), max_length=200)
    content = models.TextField(_("complaint content"))
    request = models.TextField(_("customer's request"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"))
    registered_by = person_fk(_("registrar"), related_name="complaints_registered")
    # 首问责任制: whoever first receives the request owns it until an explicit hand-over.
    owner = person_fk(_("first-contact owner"), related_name="complaints_owned")
    handler = person_fk(_("handler"), related_name="complaints_handled")
    # The staff member complained about, when known: the points of ASM-4 follow them.
    staff_involved = person_fk(_("staff member complained about"), related_name="complaints_about")
    # Set when the department confirms the complaint is founded (成立/有效投诉).
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    special_case_reason = models.CharField(
        _("reason for the longer first-contact limit"), max_length=300, blank=True
    )
    # Validity judgement (CMP-2).
    not_established_reason = models.TextField(_("why the complaint is not established"), blank=True)
    # Handling (投诉处置表).
    investigation = models.TextField(_("investigation findings"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    first_contact_at = models.DateTimeField(_("customer first contacted at"), null=True, blank=True)
    on_site_at = models.DateTimeField(_("staff on site at"), null=True, blank=True)
    resolution = models.TextField(_("result of the handling"), blank=True)
    # What the customer reads on the tracking page (给客户的答复); `resolution`, the
    # investigation and the final result stay internal (issue 8 item 6).
    customer_reply = models.TextField(_("reply to the customer"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("complainant answered at"), null=True, blank=True)
    # Closure (CMP-6).
    final_result = models.TextField(_("final result"), blank=True)
    evaluation = models.TextField(_("overall evaluation of the handling"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_closed",
    )
    # The customer's own rating from the tracking page (1–5).
    customer_rating = models.PositiveSmallIntegerField(_("customer rating"), null=True, blank=True)
    customer_comment = models.TextField(_("customer comment"), blank=True)
    # Imported records keep their source id so a re-import does not duplicate them.
    source = models.CharField(_("source"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=80, blank=True)
    # Words of the title, content and request for the archive search (text.search_document).
    search_text = models.TextField(blank=True, editable=False)
    # CMP-8: the meaning of the subject and content as a unit vector (float32 bytes, see
    # meaning.py), computed once at registration or import and compared by the grouping.
    meaning = models.BinaryField(null=True, blank=True, editable=False)
    # CMP-8: an earlier complaint this one repeats, why, and the topic group it belongs to.
    repeat_of = optional_fk(
        "self", _("repeat of"), on_delete=models.SET_NULL, related_name="repeats"
    )
    repeat_reasons = models.JSONField(_("repeat because"), default=list, blank=True)
    repeat_group = optional_fk(
        "RepeatGroup", _("topic group"), on_delete=models.SET_NULL, related_name="complaints"
    )
    # The policy pack whose rules applied when the case started.
    policy_pack = models.CharField(max_length=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["company", "status", "-received_at"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["location", "-received_at"]),
            models.Index(fields=["customer_phone"]),
            # Issue 9 item 3: each sort and filter of the lists reads its page from an index
            # in the list's order (newest/oldest, a status, a category, recently changed,
            # the API's list of a company), instead of sorting every visible row.
            models.Index(fields=["received_at", "id"], name="complaint_received"),
            models.Index(fields=["status", "received_at", "id"], name="complaint_status_received"),
            models.Index(
                fields=["category", "received_at", "id"], name="complaint_category_received"
            ),
            models.Index(fields=["updated_at", "id"], name="complaint_updated"),
            models.Index(fields=["company", "updated_at", "id"], name="complaint_company_updated"),
            # Issue 9 item 2: the repeat check of a registration (repeats.repeat_flag) finds
            # the latest earlier complaint at the same address, or by the same e-mail in any
            # case, from an index in that order; the same phone and the same customer
            # account have their own indexes (customer_phone, customer_id).
            models.Index(
                fields=["company", "customer_address", "received_at"],
                name="complaint_same_address",
            ),
            models.Index(
                Upper("customer_email"),
                "company",
                "received_at",
                name="complaint_same_email",
                condition=~models.Q(customer_email=""),
            ),
            # Issue 9 item 3: "by status" and "most severe first" read their page in their
            # order; a department's queue counts and pages its open cases through indexes of
            # the open ones alone (a large unit in received order, a small one by its units).
            models.Index(fields=["status", "-received_at", "-id"], name="complaint_status_sort"),
            models.Index(
                severity_rank(),
                models.F("received_at").desc(),
                models.F("id").desc(),
                name="complaint_severity_sort",
            ),
            models.Index(
                fields=["received_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="complaint_open_received",
            ),
            models.Index(
                fields=["location", "received_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="complaint_open_location",
            ),
            models.Index(
                fields=["department", "received_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="complaint_open_department",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "source", "source_id"],
                condition=~models.Q(source=""),
                name="complaint_company_source_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.title}"

    def get_absolute_url(self) -> str:
        """The case page; deadline notifications link here."""
        from django.urls import reverse

        return reverse("complaints:detail", args=[self.pk])

    @property
    def timeline_label(self) -> str:
        """Stored with every event for good: the title may carry a customer's name (ORG-3)."""
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ContactLetter(models.Model):
    """工作联系函 — routes the complaint to the head of the department complained about; the
    head's acknowledgement in the app is the signed receipt (CMP-3)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="letters")
    number = models.CharField(_("letter number"), max_length=30, unique=True)
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("to department"))
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="letters_received",
        verbose_name=_("department head"),
    )
    request = models.TextField(_("what is asked of the department"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="letters_sent"
    )
    sent_at = models.DateTimeField(_("sent at"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters_acknowledged",
    )
    acknowledged_at = models.DateTimeField(_("signed for at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact letter")
        verbose_name_plural = _("contact letters")
        ordering = ["-sent_at"]
        # Issue 9 item 3: the cases of the letters to a head (all, or those waiting for their
        # signature) read from the index alone.
        indexes = [
            models.Index(
                fields=["to_person", "acknowledged_at", "complaint"], name="letter_to_person"
            )
        ]

    def __str__(self) -> str:
        return self.number


class LetterCounter(models.Model):
    """The last contact-letter number drawn in a month (CMP-3). Routing locks the month's row
    so two letters sent at the same moment never get the same number."""

    month = models.CharField(_("month"), max_length=6, unique=True)  # "YYYYMM"
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("contact-letter counter")
        verbose_name_plural = _("contact-letter counters")

    def __str__(self) -> str:
        return f"{self.month}: {self.last}"


class Callback(models.Model):
    """回访 — contacting the customer after resolution (CMP-5)."""

    class Satisfaction(models.TextChoices):
        VERY_SATISFIED = "very_satisfied", _("Very satisfied")
        SATISFIED = "satisfied", _("Satisfied")
        NEUTRAL = "neutral", _("Neutral")
        DISSATISFIED = "dissatisfied", _("Dissatisfied")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="callbacks")
    at = models.DateTimeField(_("called back at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    method = models.CharField(_("method"), max_length=20, default="phone")
    reached = models.BooleanField(_("customer reached"), default=True)
    confirmed = models.BooleanField(_("customer confirms the result"), default=False)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction, blank=True
    )
    feedback = models.TextField(_("customer feedback"), blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.complaint.tracking_code} {self.at:%Y-%m-%d}"

    @property
    def satisfied(self) -> bool:
        return self.confirmed and self.satisfaction in (
            self.Satisfaction.VERY_SATISFIED,
            self.Satisfaction.SATISFIED,
        )


class CustomerEscalation(models.Model):
    """The complainant escalates past a supervision group that did not act (CMP-7)."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="customer_escalations"
    )
    at = models.DateTimeField(_("escalated at"))
    reason = models.TextField(_("reason"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("customer escalation")
        verbose_name_plural = _("customer escalations")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.complaint.tracking_code} {self.at:%Y-%m-%d %H:%M}"


class RepeatGroup(models.Model):
    """A topic that keeps coming back (CMP-8): similar complaints grouped, with the root
    cause found and the corrective action taken."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="repeat_groups")
    label = models.CharField(_("topic"), max_length=200)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"))
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    analysed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    analysed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("repeat-complaint group")
        verbose_name_plural = _("repeat-complaint groups")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label


class MonthlyFigure(models.Model):
    """Issue 9 item 3: the number of complaints per company, month received (local time),
    location, department, category, channel and status — the pre-aggregated figures the home
    tiles read instead of counting the complaints. Kept by the database itself (triggers of
    migration 0009, see `figures.py`): each row is a count or a change of one (+n / −n), and
    a key's figure is the SUM of its rows. Ids, not foreign keys: a figure row never holds a
    lock on, nor blocks the deletion of, what it counts."""

    company_id = models.BigIntegerField()
    month = models.DateField()
    location_id = models.BigIntegerField(null=True)
    department_id = models.BigIntegerField(null=True)
    category = models.CharField(max_length=20)
    channel = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    count = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["company_id", "month"], name="figure_company_month")]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m} {self.status} {self.count:+d}"


class RunningLimit(models.Model):
    """Issue 9 item 3: a running time limit (open or breached) of an open complaint, with
    when it falls due — the pre-aggregated figure behind "overdue": the open complaints past
    a limit are the distinct complaints of the rows due by now. Kept by the database
    (triggers of migration 0009 on the complaints and the deadlines, see `figures.py`)."""

    deadline_id = models.BigIntegerField(primary_key=True)
    complaint_id = models.BigIntegerField()
    company_id = models.BigIntegerField()
    due_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["company_id", "due_at", "complaint_id"], name="running_limit_due"),
            models.Index(fields=["complaint_id"], name="running_limit_complaint"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.due_at:%Y-%m-%d %H:%M}"
