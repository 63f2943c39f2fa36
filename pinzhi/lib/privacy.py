"""Masking of customer personal data (ORG-3).

ORG-3 (000 公司服务监督管理制度 第八条 "保密处理,不得泄露客户信息"; 004 保密与安全): a
customer's name, phone and address are visible only to the people handling that case, and
are masked everywhere they leave the case page — lists, exports, reports and the API —
unless the viewer may see them.

Every such place calls one entry point, `customer_field(value, kind=..., may_see=...)`
(or `pinzhi.orgs.privacy.person_field(person, field, viewer=...)` for a person record,
which knows the roles), so that the masking is the same everywhere. Templates use the
`privacy` template library (`{% load privacy %}`, see pinzhi/orgs/templatetags/privacy.py).

The maskers never raise: empty values stay empty, odd values are masked conservatively.
"""

import re
from typing import Any

MASK = "*"
# A masked tail has a fixed length so that the mask does not leak how much was hidden.
HIDDEN_TAIL = MASK * 4

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_MOBILE = re.compile(r"^(?P<prefix>(?:\+?86)?[\s-]?)(?P<number>1\d{2}[\s-]?\d{4}[\s-]?\d{4})$")
_LANDLINE = re.compile(r"^(?P<area>\(?0\d{2,3}\)?)(?P<sep>[\s-]?)(?P<local>\d{5,8})(?P<ext>.*)$")
# A building: "3栋", "B座", "12号楼", "十二幢".
_BUILDING = re.compile(r"[0-9A-Za-z一二三四五六七八九十百零〇]+\s*(?:栋|幢|座|号楼)")
_ESTATE = re.compile(r"(?:小区|花园|家园|新村|公寓|大厦|广场|山庄|社区|苑|园|城|府|里)")


def as_text(value: Any) -> str:
    """A value as shown when it is not masked: None is empty, text is stripped."""
    return "" if value is None else str(value).strip()


def mask_name(value: Any) -> str:
    """ "张三丰" → "张**", "张三" → "张*", "张" → "*", "John Smith" → "J*** S****"."""
    name = as_text(value)
    if not name:
        return ""
    if _CJK.search(name):
        compact = re.sub(r"\s+", "", name)
        if len(compact) == 1:
            return MASK
        return compact[0] + MASK * (len(compact) - 1)
    words = name.split()
    if len(words) == 1 and len(name) == 1:
        return MASK
    return " ".join(word[0] + MASK * (len(word) - 1) for word in words)


def mask_phone(value: Any) -> str:
    """ "13812345678" → "138********"; "0755-12345678" → "0755-********" (the area code
    stays, it says nothing about the person); anything else keeps at most its first three
    characters, and only when the number has seven digits or more.

    The last four digits are never shown: they are what the customer proves their case
    with on the public tracking page (CMP-2), so whoever sees a masked phone next to a
    tracking code must not hold the proof (issue 6 item 7)."""
    phone = as_text(value)
    if not phone:
        return ""
    mobile = _MOBILE.match(phone)
    if mobile:
        digits = re.sub(r"\D", "", mobile["number"])
        return f"{mobile['prefix']}{digits[:3]}{MASK * (len(digits) - 3)}"
    landline = _LANDLINE.match(phone)
    if landline:
        hidden = re.sub(r"\d", MASK, landline["local"] + landline["ext"])
        return f"{landline['area']}{landline['sep']}{hidden}"
    compact = re.sub(r"\s+", "", phone)
    if sum(c.isdigit() for c in compact) < 7:
        return MASK * len(compact)
    return compact[:3] + HIDDEN_TAIL


def mask_address(value: Any) -> str:
    """Keep the estate and building, hide the unit and room:
    "深圳市南山区阳光花园3栋2单元501室" → "深圳市南山区阳光花园3栋****". Without a building,
    keep up to the estate name; without either, hide every digit."""
    address = as_text(value)
    if not address:
        return ""
    buildings = list(_BUILDING.finditer(address))
    cut = buildings[-1].end() if buildings else None
    if cut is None:
        estates = list(_ESTATE.finditer(address))
        cut = estates[-1].end() if estates else None
    if cut is not None:
        return address[:cut] + (HIDDEN_TAIL if address[cut:].strip() else "")
    return re.sub(r"\d", MASK, address)


def mask_email(value: Any) -> str:
    """ "zhangsan@example.com" → "z***@example.com"."""
    email = as_text(value)
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return MASK * len(email) if len(email) <= 4 else email[0] + MASK * 3
    return f"{local[0]}{MASK * 3}@{domain}"


MASKERS = {
    "name": mask_name,
    "phone": mask_phone,
    "address": mask_address,
    "email": mask_email,
}
CUSTOMER_ROLE = "customer"


def customer_field(value: Any, *, kind: str, may_see: bool = False) -> str:
    """ORG-3: the one entry point for showing a customer's personal data outside the case
    page. `kind` is one of name, phone, address, email; `may_see` is the caller's decision
    that this viewer handles the case (then the value is shown as is)."""
    try:
        masker = MASKERS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of personal data: {kind!r}") from None
    if may_see:
        return as_text(value)
    return masker(value)


# Free text (ORG-3): numbers are only masked when nothing digit-like touches them, so that
# tracking codes, amounts, dates and room numbers are left alone.
_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z_\-+.])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z_]|\.\d)"
_TEXT_ID_CARD = re.compile(
    _NOT_DIGIT_BEFORE
    + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    + _NOT_DIGIT_AFTER
)
_TEXT_MOBILE = re.compile(
    r"(?<![0-9A-Za-z_\-.])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}" + _NOT_DIGIT_AFTER
)
_TEXT_LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[\s-])\s?[2-9]\d{6,7}"
    + r"(?:\s?(?:-|转|ext\.?|分机)\s?\d{1,5})?"
    + _NOT_DIGIT_AFTER
)
# A landline without its area-code separator: 057187654321 (an area code of 3-4 digits and
# a local number of 7-8 digits, twelve digits at most); only after a word saying it is one.
_TEXT_LANDLINE_PLAIN = re.compile(
    r"(?<=电话|座机|固话|手机|号码|联系)[:：\s]*(?P<number>0\d{9,11})" + _NOT_DIGIT_AFTER
)
_TEXT_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _mask_phone_match(match: re.Match[str]) -> str:
    text = match.group(0)
    country = re.match(r"(?:\+|00)?86[\s-]?(?=1)", text)
    if country:
        return country.group(0) + mask_phone(text[country.end() :])
    return mask_phone(text)


def _mask_landline_match(match: re.Match[str]) -> str:
    text = match.group(0)
    area = re.match(r"\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}", text)
    assert area is not None
    return area.group(0) + re.sub(r"\d", MASK, text[area.end() :])


def mask_text(text: Any, *, names: Any = (), addresses: Any = ()) -> str:
    """ORG-3: free text (a complaint's title, content, result, notes) as shown to a viewer
    who may not see the customer. Mainland mobile numbers ("13933330001", "139 3333 0001",
    "+86 139-3333-0001"), landlines ("0571-87654321", "(0571)87654321", extensions),
    18-digit ID-card numbers and e-mail addresses are masked as the fields are; the given
    customer names and addresses are masked wherever they occur. Dates, amounts, tracking
    codes and room numbers are left as they are."""
    shown = as_text(text)
    if not shown:
        return ""
    for address in sorted({as_text(a) for a in addresses if as_text(a)}, key=len, reverse=True):
        if len(address) >= 2:
            shown = shown.replace(address, mask_address(address))
    for name in sorted({as_text(n) for n in names if as_text(n)}, key=len, reverse=True):
        if len(name) >= 2 or (_CJK.search(name) is None and len(name) >= 3):
            shown = shown.replace(name, mask_name(name))
    shown = _TEXT_EMAIL.sub(lambda m: mask_email(m.group(0)), shown)
    shown = _TEXT_ID_CARD.sub(lambda m: m.group(0)[:6] + MASK * 12, shown)
    shown = _TEXT_MOBILE.sub(_mask_phone_match, shown)
    shown = _TEXT_LANDLINE.sub(_mask_landline_match, shown)
    shown = _TEXT_LANDLINE_PLAIN.sub(
        lambda m: (
            m.group(0)[: m.start("number") - m.start()]
            + m.group("number")[:4]
            + MASK * (len(m.group("number")) - 4)
        ),
        shown,
    )
    return shown


def customer_text(text: Any, *, may_see: bool = False, names: Any = (), addresses: Any = ()) -> str:
    """ORG-3: the one entry point for free text that may carry a customer's personal data:
    as is for a viewer who may see the customer, else through `mask_text`."""
    if may_see:
        return as_text(text)
    return mask_text(text, names=names, addresses=addresses)
