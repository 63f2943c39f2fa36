"""Forms of the rectification steps and pages (NCR-1 … NCR-4)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.inspections.models import Severity
from pinzhi.orgs.models import Person, Unit
from pinzhi.orgs.roles import STAFF_ROLES
from pinzhi.orgs.selectors import units_visible_to
from pinzhi.rectification.models import CorrectiveAction, Source

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
PHOTO_HELP = _("Photos of the fix (from the phone's camera or album).")
NOT_A_PHOTO = _("“%(name)s” is not a photo: attach JPEG or PNG pictures.")
STAGE_INCOMPLETE = _("Stage %(n)s needs both a requirement and a due date.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos at once (the Django documentation's recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"class": "form-control", "accept": "image/*", "capture": "environment"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class FixReportForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label=_("Photos"), required=False, help_text=PHOTO_HELP)

    def clean_photos(self) -> list:
        from pinzhi.timeline.services import AttachmentRefused, attachment_validate

        photos = self.cleaned_data.get("photos") or []
        for photo in photos:
            try:
                _name, _ext, mime = attachment_validate(uploaded_file=photo)
            except AttachmentRefused as error:
                raise forms.ValidationError(error.reason) from None
            if not mime.startswith("image/"):
                raise forms.ValidationError(NOT_A_PHOTO % {"name": photo.name})
        return photos


class AcceptForm(forms.Form):
    note = forms.CharField(label=_("Result and measures"), widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("Why the fix is not accepted"), widget=forms.Textarea(attrs={"rows": 2})
    )
    new_due_at = forms.DateTimeField(label=_("New deadline"), widget=DATETIME)


class WorkOrderForm(forms.Form):
    job = forms.CharField(label=_("Job"), widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(
        label=_("Complete by"),
        widget=DATETIME,
        required=False,
        help_text=_("Leave empty for the pack's default time."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


def _staff(company_id):
    return (
        Person.objects.filter(
            company_id=company_id, is_active=True, role_assignments__role__in=list(STAFF_ROLES)
        )
        .distinct()
        .order_by("full_name", "username")
    )


class CapaAcceptForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CorrectiveAction.Kind.choices)
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}))
    plan = forms.CharField(
        label=pgettext_lazy("corrective action", "Action"), widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none())
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=DATETIME,
        required=False,
        help_text=_("Leave empty for the pack's default time."),
    )

    def __init__(self, *args, company_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff(company_id)


class CapaCloseForm(forms.Form):
    effectiveness = forms.CharField(
        label=_("How the effectiveness was checked"), widget=forms.Textarea(attrs={"rows": 2})
    )
    effective = forms.BooleanField(label=_("The action proved effective"), required=False)


class RaiseForm(forms.Form):
    """A nonconformity raised by hand from an observation or a complaint (NCR-1)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Problem"), max_length=300)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL
    )
    source = forms.ChoiceField(
        label=_("Found by"),
        choices=[
            (Source.OBSERVATION, Source.OBSERVATION.label),
            (Source.COMPLAINT, Source.COMPLAINT.label),
        ],
    )
    complaint_ref = forms.CharField(label=_("Complaint number"), max_length=40, required=False)
    is_cleaning = forms.BooleanField(
        label=_("Cleaning fault (a minor one is fixed within the hour)"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            units_visible_to(user).filter(is_active=True).order_by("path")
        )


class SupervisionForm(forms.Form):
    """督办单: the problem and up to four staged requirements (NCR-4)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    problem = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 3}))

    STAGES = 4

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            units_visible_to(user).filter(is_active=True).order_by("path")
        )
        for n in range(1, self.STAGES + 1):
            self.fields[f"stage_{n}"] = forms.CharField(
                label=_("Stage %(n)s requirement") % {"n": n}, required=n == 1, max_length=500
            )
            self.fields[f"due_{n}"] = forms.DateTimeField(
                label=_("Stage %(n)s due") % {"n": n}, required=n == 1, widget=DATETIME
            )

    def clean(self):
        cleaned = super().clean()
        stages = []
        for n in range(1, self.STAGES + 1):
            text, due = cleaned.get(f"stage_{n}"), cleaned.get(f"due_{n}")
            if (
                bool(text) != bool(due)
                and f"stage_{n}" not in self.errors
                and f"due_{n}" not in self.errors
            ):
                self.add_error(f"stage_{n}", STAGE_INCOMPLETE % {"n": n})
            elif text and due:
                stages.append((text, due))
        cleaned["stages"] = stages
        return cleaned


class StageForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
