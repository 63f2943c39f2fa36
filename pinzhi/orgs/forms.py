"""Forms of the organisation pages. They validate input; the services write."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pinzhi.orgs.models import Company, Person, Post, Unit
from pinzhi.orgs.roles import Role
from pinzhi.orgs.spreadsheets import MAX_UPLOAD_BYTES
from pinzhi.orgs.validators import normalise_phone, validate_phone

USERNAME_TAKEN = _("This username is already taken.")
POST_NOT_IN_UNIT = _("Choose a post of the selected unit.")
FILE_TOO_LARGE = _("The file is larger than 5 MB.")
FILE_NOT_XLSX_NAME = _("Upload an Excel workbook (.xlsx).")
NO_IMPORT_COMPANY = _("You see no company to import into.")
NO_COMPANY = _("Choose a parent unit: you do not belong to a company.")
KIND_EXTERNAL_ONLY = _(
    "A company registered here is a supplier or an inspected company; the operator "
    "company is set up by a system administrator."
)


class UnitForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Parent unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— none: a top-level unit —"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Unit.Kind.choices)
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    is_quality_department = forms.BooleanField(label=_("Quality department"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units.order_by("company__name", "path")
        self.fields["parent"].label_from_instance = lambda u: (
            "\u00a0\u00a0" * u.depth + f"{u.code} · {u.name}"
        )

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if any(ch in code for ch in " /,，、;；"):
            raise forms.ValidationError(
                _("A code cannot contain spaces, “/” or list separators (, ， 、 ;).")
            )
        return code


class PostForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    duties = forms.CharField(label=_("Duties"), required=False, widget=forms.Textarea({"rows": 3}))


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    employee_no = forms.CharField(label=_("Employee number"), max_length=40, required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("— none —")
    )
    post = forms.ModelChoiceField(
        label=_("Post"), queryset=Post.objects.none(), required=False, empty_label=_("— none —")
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, validators=[validate_phone]
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, units, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        unit_field = cast(forms.ModelChoiceField, self.fields["unit"])
        unit_field.queryset = units.order_by("company__name", "path")
        unit_field.label_from_instance = lambda u: (  # type: ignore[assignment]
            "\u00a0\u00a0" * u.depth + f"{u.code} · {u.name}"
        )
        post_field = cast(forms.ModelChoiceField, self.fields["post"])
        post_field.queryset = Post.objects.filter(unit__in=units).select_related("unit")
        if person is not None:
            self.fields["username"].disabled = True

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        taken = Person.objects.filter(username=username)
        if self.person is not None:
            taken = taken.exclude(pk=self.person.pk)
        if taken.exists():
            raise forms.ValidationError(USERNAME_TAKEN)
        return username

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        post, unit = data.get("post"), data.get("unit")
        if post is not None and unit is not None and post.unit_id != unit.pk:
            self.add_error("post", POST_NOT_IN_UNIT)
        return data


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    scope = forms.ModelMultipleChoiceField(
        label=_("Scope"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The units the role covers, with everything below them."),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = units.order_by("company__name", "path")
        self.fields["scope"].label_from_instance = lambda u: f"{u.code} · {u.name}"


class RoleRevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "name",
            "short_name",
            "kind",
            "credit_code",
            "registered_capital",
            "licence_number",
            "licence_valid_until",
            "address",
            "contact_name",
            "contact_phone",
            "service_hotline",
        ]
        widgets = {"licence_valid_until": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "service_hotline": _(
                "The number customers call; shown on the public complaint and tracking pages."
            )
        }

    EXTERNAL_KINDS = (Company.Kind.SUPPLIER, Company.Kind.INSPECTED)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        if self.instance.pk and self.instance.kind == Company.Kind.OPERATOR:
            # ORG-4: the operator company's kind is not editable.
            kind.disabled = True
            kind.help_text = _("The operator company's kind cannot be changed.")
        else:
            kind.choices = [(k.value, k.label) for k in self.EXTERNAL_KINDS]
            kind.error_messages["invalid_choice"] = KIND_EXTERNAL_ONLY

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"]
        validate_phone(phone)
        return normalise_phone(phone)

    def clean_service_hotline(self):
        phone = self.cleaned_data["service_hotline"]
        validate_phone(phone)
        return normalise_phone(phone)

    def _post_clean(self):
        # The service validates the model; a bound form checks fields only.
        pass


class ImportUploadForm(forms.Form):
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        empty_label=_("— my company —"),
    )
    file = forms.FileField(label=_("Workbook (.xlsx)"))

    def __init__(self, *args, companies, default: Company | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["company"]).queryset = companies
        self.default = default if default is not None else companies.first()
        self.fields["company"].initial = self.default
        if companies.count() <= 1:
            self.fields["company"].widget = forms.HiddenInput()

    def clean_company(self):
        company = self.cleaned_data["company"] or self.default
        if company is None:
            raise forms.ValidationError(NO_IMPORT_COMPANY)
        return company

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE)
        if not upload.name.lower().endswith((".xlsx", ".xlsm")):
            raise forms.ValidationError(FILE_NOT_XLSX_NAME)
        return upload


class CompanyChoiceForm(forms.Form):
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        empty_label=_("— my company —"),
    )

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = companies


class ContractorScopeForm(forms.Form):
    """ORG-2, issue 8 item 6: what an outsourced supplier is contracted for."""

    service = forms.CharField(
        label=_("Contracted service"),
        max_length=120,
        help_text=_("For example 保洁服务; setting the same service again replaces it."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units served"),
        queryset=Unit.objects.none(),
        help_text=_("Each unit with the units below it."),
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label=_("Complaint categories"),
        required=False,
        help_text=_("None ticked: every category."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, contractor: Company, **kwargs):
        from pinzhi.orgs.selectors import service_categories

        super().__init__(*args, **kwargs)
        units = self.fields["units"]
        assert isinstance(units, forms.ModelMultipleChoiceField)
        operator = contractor.operator_id
        units.queryset = (
            Unit.objects.filter(company_id=operator, is_active=True).order_by("path")
            if operator is not None
            else Unit.objects.none()
        )
        categories = self.fields["categories"]
        assert isinstance(categories, forms.MultipleChoiceField)
        categories.choices = service_categories()
