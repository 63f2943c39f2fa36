"""Forms of the staff complaint pages: the registration record (客户投诉记录表, CMP-1/CMP-2),
the list filters, and one small form per workflow step. Forms only check input; the
services decide whether a step is allowed."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.complaints.models import Callback, Category, Channel, Severity
from pinzhi.complaints.services import OFFENCES
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.roles import STAFF_ROLES
from pinzhi.orgs.validators import normalise_phone, validate_phone

# Channels a member of staff records; the web form and the API set their own (CMP-1).
STAFF_CHANNELS = [
    (c.value, c.label)
    for c in (
        Channel.HOTLINE,
        Channel.WALK_IN,
        Channel.SUGGESTION_BOX,
        Channel.EMAIL,
        Channel.OPINION_CARD,
        Channel.REPORT_HOTLINE,
        Channel.WECHAT,
    )
]
# Channels where a complaint may arrive without a way to reach the complainant.
ANONYMOUS_CHANNELS = {Channel.SUGGESTION_BOX, Channel.OPINION_CARD}

IN_FUTURE = _("The time received cannot be in the future.")
NO_CONTACT = _(
    "Give a phone number or an e-mail address so that the customer can be contacted and "
    "called back (only a suggestion-box letter or an opinion card may come without one)."
)
HEAD_NOT_COVERING = _(
    "%(head)s is not a department manager responsible for %(department)s: choose a head "
    "whose scope covers that department."
)
SEVERITY_LOWERED = _("The severity can be raised here, not lowered.")
SATISFACTION_REQUIRED = _("Record how satisfied the customer is when they were reached.")
TITLE_LENGTH = 40
SEVERITY_ORDER = [Severity.GENERAL, Severity.URGENT, Severity.MAJOR]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        unit = obj.unit.name if obj.unit is not None else ""
        return f"{obj.full_name or obj.username} ({unit})" if unit else str(obj)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return "\u2003" * max(obj.depth, 0) + obj.name


def _staff_of(company_id):
    """Active staff of the company, with their unit for the choice labels."""
    return (
        Person.objects.filter(
            company_id=company_id,
            is_active=True,
            role_assignments__role__in=list(STAFF_ROLES),
        )
        .distinct()
        .select_related("unit")
        .order_by("unit__path", "full_name", "username")
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or PDFs at once (the Django documentation's recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class IntakeForm(forms.Form):
    """客户投诉记录表 (CMP-2): what a member of staff records when a complaint comes in."""

    channel = forms.ChoiceField(label=_("channel"), choices=STAFF_CHANNELS)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("severity"), choices=Severity.choices, initial=Severity.GENERAL
    )
    location = UnitChoiceField(
        label=_("estate / site"),
        queryset=Unit.objects.none(),
        help_text=_("Where the service was given."),
    )
    received_at = forms.DateTimeField(
        label=_("received at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Earlier than now for a letter or a visit recorded afterwards."),
    )
    customer_name = forms.CharField(label=_("customer name"), max_length=60)
    customer_phone = forms.CharField(label=_("contact phone"), max_length=40, required=False)
    customer_email = forms.EmailField(label=_("e-mail"), required=False)
    customer_address = forms.CharField(label=_("address"), max_length=200, required=False)
    title = forms.CharField(
        # "subject" alone is 对象 in the deadline and timeline catalogues (issue 8 item 6).
        label=pgettext_lazy("complaint", "subject"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the beginning of the complaint."),
    )
    content = forms.CharField(
        label=_("complaint content"), widget=forms.Textarea(attrs={"rows": 5})
    )
    request = forms.CharField(
        label=_("customer's request"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    staff_involved = PersonChoiceField(
        label=_("staff member complained about"), queryset=Person.objects.none(), required=False
    )
    attachments = MultipleFileField(
        label=_("attachments"),
        required=False,
        help_text=_("Photos or PDF files, several at once."),
    )

    def __init__(self, *args, units, company_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = units.filter(is_active=True).order_by("path")
        self.fields["staff_involved"].queryset = _staff_of(company_id)
        self.fields["received_at"].initial = timezone.localtime(now()).replace(
            second=0, microsecond=0
        )

    def clean_attachments(self) -> list:
        from pinzhi.timeline.services import AttachmentRefused, attachment_validate

        files = self.cleaned_data.get("attachments") or []
        for uploaded in files:
            try:
                attachment_validate(uploaded_file=uploaded)
            except AttachmentRefused as error:
                raise forms.ValidationError(error.reason) from None
        return files

    def clean_customer_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data.get("customer_phone", ""))
        validate_phone(phone)
        return phone

    def clean_received_at(self):
        received = self.cleaned_data["received_at"]
        # A minute of grace for the clocks of browser and server.
        if received > now() + timedelta(minutes=1):
            raise forms.ValidationError(IN_FUTURE, code="future")
        return min(received, now())

    def clean(self):
        data = super().clean()
        if (
            data.get("channel")
            and data["channel"] not in ANONYMOUS_CHANNELS
            and not data.get("customer_phone")
            and not data.get("customer_email")
            and "customer_phone" not in self.errors
            and "customer_email" not in self.errors
        ):
            self.add_error("customer_phone", forms.ValidationError(NO_CONTACT, code="no_contact"))
        if not data.get("title") and data.get("content"):
            text = " ".join(data["content"].split())
            data["title"] = text[:TITLE_LENGTH] + ("…" if len(text) > TITLE_LENGTH else "")
        return data


# Issue 8 item 6: each handling form says which text the customer reads and which stays inside.
CUSTOMER_REPLY_HELP = _(
    "Shown to the customer on the tracking page, word for word: write what was done for "
    "them, politely, without staff names or internal remarks."
)
INTERNAL_NOTE_HELP = _("Internal record for the company's staff; never shown to the customer.")


# --- one form per workflow step -------------------------------------------------------


class ActionForm(forms.Form):
    """A workflow step's form; `complaint` and `user` are there for choices and checks."""

    def __init__(self, *args, complaint, user, **kwargs):
        self.complaint = complaint
        self.user = user
        super().__init__(*args, **kwargs)


class JudgeNotEstablishedForm(ActionForm):
    explanation = forms.CharField(
        label=_("Explanation to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the customer on the tracking page: explain tactfully."),
    )


class RouteForm(ActionForm):
    """CMP-3: the work contact letter (工作联系函)."""

    department = UnitChoiceField(
        label=_("department complained about"), queryset=Unit.objects.none()
    )
    head = PersonChoiceField(label=_("department head"), queryset=Person.objects.none())
    request = forms.CharField(
        label=_("what is asked of the department"), widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from pinzhi.orgs.roles import Role

        company_id = self.complaint.company_id
        # Any unit of the company: a registrar scoped to an estate routes the complaint to
        # the department complained about, which is usually outside their own scope.
        self.fields["department"].queryset = Unit.objects.filter(
            company_id=company_id, is_active=True
        ).order_by("path")
        self.fields["head"].queryset = (
            Person.objects.filter(
                company_id=company_id,
                is_active=True,
                role_assignments__role=Role.DEPARTMENT_MANAGER,
            )
            .distinct()
            .select_related("unit")
            .order_by("unit__path", "full_name")
        )
        current = SEVERITY_ORDER.index(self.complaint.severity)
        self.fields["severity"].choices = [(s.value, s.label) for s in SEVERITY_ORDER[current:]]
        self.fields["severity"].initial = self.complaint.severity
        if not self.is_bound:
            self.fields["request"].initial = self.complaint.request

    def clean(self):
        from pinzhi.complaints.selectors import department_heads

        data = super().clean()
        department, head = data.get("department"), data.get("head")
        if department and head:
            if not department_heads(self.complaint.company_id, department).filter(pk=head.pk):
                message = HEAD_NOT_COVERING % {"head": head, "department": department.name}
                self.add_error("head", forms.ValidationError(message, code="not_covering"))
        return data


class AcknowledgeForm(ActionForm):
    pass


class AssignForm(ActionForm):
    """CMP-3: the head names the handler and the solution (投诉处置表)."""

    handler = PersonChoiceField(label=_("handler"), queryset=Person.objects.none())
    solution = forms.CharField(
        label=_("solution"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=INTERNAL_NOTE_HELP,
    )
    investigation = forms.CharField(
        label=_("investigation findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=INTERNAL_NOTE_HELP,
    )
    staff_involved = PersonChoiceField(
        label=_("staff member complained about"), queryset=Person.objects.none(), required=False
    )
    verified = forms.BooleanField(
        label=_("The complaint is founded (verified)"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = _staff_of(self.complaint.company_id)
        self.fields["handler"].queryset = staff
        self.fields["staff_involved"].queryset = staff
        if not self.is_bound:
            self.initial.setdefault("handler", self.complaint.handler_id)
            self.initial.setdefault("staff_involved", self.complaint.staff_involved_id)
            self.initial.setdefault("solution", self.complaint.solution)
            self.initial.setdefault("investigation", self.complaint.investigation)


class SpecialFirstContactForm(ActionForm):
    reason = forms.CharField(label=_("Reason for the longer limit"), max_length=300)


class RecordContactForm(ActionForm):
    on_site = forms.BooleanField(label=_("Staff are on site"), required=False)


class ResolveForm(ActionForm):
    customer_reply = forms.CharField(
        label=_("Reply to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=CUSTOMER_REPLY_HELP,
    )
    resolution = forms.CharField(
        label=_("Internal handling record"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=INTERNAL_NOTE_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("customer_reply", self.complaint.customer_reply)


CALLBACK_METHODS = [
    ("phone", _("Phone")),
    ("visit", _("Visit")),
    ("wechat", _("WeChat")),
    ("sms", _("Text message")),
]


class CallbackForm(ActionForm):
    """CMP-5: the callback (回访)."""

    method = forms.ChoiceField(label=_("method"), choices=CALLBACK_METHODS)
    reached = forms.BooleanField(label=_("customer reached"), required=False, initial=True)
    confirmed = forms.BooleanField(label=_("customer confirms the result"), required=False)
    satisfaction = forms.ChoiceField(
        label=_("satisfaction"),
        required=False,
        choices=[("", "—"), *Callback.Satisfaction.choices],
    )
    feedback = forms.CharField(
        label=_("customer feedback"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("reached") and not data.get("satisfaction"):
            self.add_error(
                "satisfaction", forms.ValidationError(SATISFACTION_REQUIRED, code="required")
            )
        return data


class CloseForm(ActionForm):
    customer_reply = forms.CharField(
        label=_("Reply to the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=CUSTOMER_REPLY_HELP,
    )
    final_result = forms.CharField(
        label=_("final result"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=INTERNAL_NOTE_HELP,
    )
    evaluation = forms.CharField(
        label=_("overall evaluation of the handling"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=INTERNAL_NOTE_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("customer_reply", self.complaint.customer_reply)


class HandOverForm(ActionForm):
    to_person = PersonChoiceField(label=_("Hand over to"), queryset=Person.objects.none())
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_person"].queryset = _staff_of(self.complaint.company_id).exclude(
            pk=self.complaint.owner_id
        )


class OffenceForm(ActionForm):
    """CMP-9: hiding, refusing or retaliating, recorded against the person."""

    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none())
    offence = forms.ChoiceField(label=_("Offence"), choices=list(OFFENCES.items()))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _staff_of(self.complaint.company_id)


class EscalationAnswerForm(forms.Form):
    """CMP-7: the group leader's or chairman's answer to a customer's escalation."""

    answer = forms.CharField(
        label=_("answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the answer to the customer's escalation.")},
    )


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Add files"))  # type: ignore[assignment]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
