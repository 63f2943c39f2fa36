"""Forms of the public portal (CMP-1, CMP-2, CMP-7, ORG-3)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.models import Category
from pinzhi.orgs.validators import BAD_PHONE, normalise_phone, validate_phone
from pinzhi.portal import selectors
from pinzhi.timeline import filetypes
from pinzhi.timeline.services import AttachmentRefused, attachment_validate

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "heic")
NOT_AN_IMAGE = _("Attach a photo (JPG, PNG, GIF, WebP or HEIC).")
CONSENT_REQUIRED = _(
    "Please agree to the handling of your personal data; without it we cannot register "
    "the complaint."
)
CHOOSE_LOCATION = _("Choose the estate or service window the complaint is about.")
CONTROL_CHARACTERS = _("Remove the control characters from this text.")
LAST4_INVALID = _("Enter the last 4 digits of the phone number you gave.")
CODE_INVALID = _("A tracking code looks like TS followed by 8 letters and digits.")


def _no_control_characters(value: str) -> None:
    if any(ord(c) < 32 and c not in "\r\n\t" for c in value):
        raise ValidationError(CONTROL_CHARACTERS, code="control")


class ComplaintForm(forms.Form):
    """CMP-2: the registration record as the customer fills it in; the honeypot field
    `website` is hidden from people and filled in by bots."""

    location = forms.ModelChoiceField(
        label=_("Estate / service window"),
        queryset=selectors.public_locations(),
        required=False,
        empty_label=_("— choose —"),
    )
    customer_name = forms.CharField(
        label=_("Your name"), max_length=60, validators=[_no_control_characters]
    )
    customer_phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        validators=[validate_phone],
        help_text=_("A mobile number or a landline, so that we can call you back."),
    )
    customer_email = forms.EmailField(label=_("E-mail (optional)"), required=False, max_length=254)
    customer_address = forms.CharField(
        label=_("Address"),
        max_length=200,
        validators=[_no_control_characters],
        help_text=_("Building, unit and room, or where it happened."),
    )
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices)
    content = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[_no_control_characters],
    )
    request = forms.CharField(
        label=_("What would you like us to do"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[_no_control_characters],
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the company uses my name, phone number and address only to handle "
            "this complaint and to contact me about it."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    # Honeypot: hidden with CSS and aria-hidden; a person leaves it empty.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, fixed_location=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_location = fixed_location
        if fixed_location is not None:
            del self.fields["location"]
        elif selectors.single_operator() is None:
            self.fields["location"].required = True
            self.fields["location"].error_messages["required"] = CHOOSE_LOCATION

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_customer_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["customer_phone"])
        # A short service number (95588) cannot be called back.
        if sum(c.isdigit() for c in phone) < 10:
            raise ValidationError(BAD_PHONE, code="phone")
        return phone

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if filetypes.extension(photo.name or "") not in IMAGE_EXTENSIONS:
            raise ValidationError(NOT_AN_IMAGE, code="type")
        try:
            attachment_validate(uploaded_file=photo)
        except AttachmentRefused as error:
            raise ValidationError(error.reason) from error
        return photo

    def location_and_company(self):
        location = self.fixed_location or self.cleaned_data.get("location")
        if location is not None:
            return location, location.company
        return None, selectors.single_operator()


class TrackForm(forms.Form):
    """CMP-2: the tracking code and the last four digits of the phone number."""

    tracking_code = forms.CharField(
        label=_("Tracking code"), max_length=12, min_length=10, strip=True
    )
    phone_last4 = forms.CharField(
        label=_("Last 4 digits of your phone number"), max_length=4, min_length=4
    )

    def clean_tracking_code(self) -> str:
        code = self.cleaned_data["tracking_code"].upper().replace(" ", "")
        if not (code.startswith("TS") and len(code) == 10 and code.isalnum()):
            raise ValidationError(CODE_INVALID, code="code")
        return code

    def clean_phone_last4(self) -> str:
        digits = self.cleaned_data["phone_last4"]
        if not (digits.isascii() and digits.isdigit()):
            raise ValidationError(LAST4_INVALID, code="digits")
        return digits


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[_no_control_characters],
    )


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you escalating?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[_no_control_characters],
    )
