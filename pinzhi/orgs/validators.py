"""Checks of organisation data shared by the forms and the Excel import."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BAD_PHONE = _("Enter a mobile number (13812345678) or a landline (0755-12345678).")

_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_SERVICE = re.compile(r"^(?:[48]00-?\d{3}-?\d{4}|\d{5,6})$")


def normalise_phone(value: str) -> str:
    """Spaces, brackets and full-width digits removed: "(0755) 1234 5678" → "0755-12345678"."""
    text = str(value or "").strip()
    text = text.translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})
    text = text.replace("－", "-").replace("—", "-").replace("＋", "+")
    area = re.match(r"^\((0\d{2,3})\)\s*", text)
    if area:
        text = f"{area[1]}-{text[area.end() :]}"
    return re.sub(r"[\s()]", "", text)


def phone_is_valid(value: str) -> bool:
    phone = normalise_phone(value)
    mobile = phone.replace("-", "")
    return bool(_MOBILE.match(mobile) or _LANDLINE.match(phone) or _SERVICE.match(phone))


def validate_phone(value: str) -> None:
    if value and not phone_is_valid(value):
        raise ValidationError(BAD_PHONE, code="phone")
