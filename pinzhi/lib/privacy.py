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
