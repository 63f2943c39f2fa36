"""Training forms (TRN-1): a course, a session, the cancellation, an assignment."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.orgs.models import Person
from pinzhi.training.models import AssignmentReason, Course, Topic
from pinzhi.training.services import CourseTerms

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CourseForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=40)
    title = forms.CharField(label=_("title"), max_length=200)
    topic = forms.ChoiceField(label=_("topic"), choices=Topic.choices)
    hours = forms.DecimalField(label=_("hours"), max_digits=5, decimal_places=1)
    pass_score = forms.DecimalField(
        label=_("pass score"),
        max_digits=5,
        decimal_places=1,
        required=False,
        help_text=_("Out of 100; leave empty for a course without a test."),
    )
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)

    def terms(self) -> CourseTerms:
        data = self.cleaned_data
        return CourseTerms(
            code=data["code"],
            title=data["title"],
            topic=data["topic"],
            hours=data["hours"],
            pass_score=data["pass_score"],
            description=data["description"],
            is_active=data["is_active"],
        )


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("course"), queryset=Course.objects.none())
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DATETIME)
    location = forms.CharField(label=_("location"), max_length=200, required=False)
    trainer = forms.CharField(label=_("trainer"), max_length=100, required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(company=company, is_active=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignmentForm(forms.Form):
    person = forms.ModelChoiceField(label=_("person"), queryset=Person.objects.none())
    reason = forms.ChoiceField(label=_("reason"), choices=AssignmentReason.choices)
    course = forms.ModelChoiceField(
        label=_("course"), queryset=Course.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("due on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            company=company, is_active=True
        ).order_by("full_name")
        self.fields["course"].queryset = Course.objects.filter(company=company, is_active=True)


def score_of(raw: str) -> Decimal | None:
    """A score typed on the attendance sheet, or None; ValueError when not a number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except ArithmeticError:
        raise ValueError(raw) from None
