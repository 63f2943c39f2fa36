"""ORG-3: customer personal data is masked by one helper wherever it leaves a case page."""

import pytest
from django.template import Context, Template

from pinzhi.lib.privacy import (
    customer_field,
    mask_address,
    mask_email,
    mask_name,
    mask_phone,
)
from pinzhi.orgs.privacy import is_customer, person_field


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张**"),
        ("张三", "张*"),
        ("张", "*"),
        ("欧阳修文", "欧***"),
        ("John Smith", "J*** S****"),
        ("J", "*"),
        ("", ""),
        (None, ""),
        ("  李四 ", "李*"),
    ],
)
def test_it_masks_names(name, masked):
    """ORG-3: names keep only their first character (each word's, for Latin names)."""
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138********"),
        ("+8613812345678", "+86138********"),
        ("138-1234-5678", "138********"),
        ("0755-12345678", "0755-********"),
        ("010-8765432-801", "010-*******-***"),
        ("95598", "*****"),
        ("", ""),
        (None, ""),
        ("12345678", "123****"),
        ("+1 415 555 0100", "+14****"),
    ],
)
def test_it_masks_mobile_and_landline_numbers(phone, masked):
    """ORG-3, issue 6 item 7: a phone number keeps its prefix or area code only."""
    assert mask_phone(phone) == masked


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "+86 138 1234 5678",
        "0086-13812345678",
        "0755-12345678",
        "(0755)12345678",
        "010-8765432-801",
        "0755 1234567 转 8001",
        "12345678",
        "1234567",
        "123456",
        "+1 415 555 0100",
        "1x2y3z4w5",
        "phone: 5678",
    ],
)
def test_a_masked_phone_never_shows_the_last_four_digits(phone):
    """Issue 6 item 7: the tracking page takes the phone's last four digits as the
    customer's proof (CMP-2); the mask shows only leading digits and never reaches them."""
    digits, shown = _digits(phone), _digits(mask_phone(phone))
    assert digits.startswith(shown)
    assert len(shown) <= max(0, len(digits) - 4)


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("深圳市南山区阳光花园3栋2单元501室", "深圳市南山区阳光花园3栋****"),
        ("阳光花园B座1203", "阳光花园B座****"),
        ("北京市朝阳区幸福小区12号楼3门402", "北京市朝阳区幸福小区12号楼****"),
        ("碧桂园2期", "碧桂园****"),
        ("阳光花园", "阳光花园"),
        ("Room 501, 12 Baker Street", "Room ***, ** Baker Street"),
        ("", ""),
    ],
)
def test_it_masks_addresses_below_the_building(address, masked):
    """ORG-3: the estate and building stay, the unit and room are hidden."""
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("not-an-email", "n***"),
        ("", ""),
    ],
)
def test_it_masks_email_addresses(email, masked):
    assert mask_email(email) == masked


def test_it_shows_the_value_only_to_a_viewer_who_may_see_it():
    """ORG-3: one entry point; `may_see` is the caller's decision."""
    assert customer_field("13812345678", kind="phone") == "138********"
    assert customer_field("13812345678", kind="phone", may_see=True) == "13812345678"
    with pytest.raises(ValueError):
        customer_field("x", kind="shoe size")


@pytest.mark.django_db
def test_it_masks_customers_but_not_staff(person_with):
    """ORG-3: a person holding only the customer role is masked; staff are not, and a
    customer sees their own data."""
    customer = person_with("customer", full_name="王小明", phone="13912345678")
    staff = person_with("service_staff", full_name="赵六", phone="13700001111")
    viewer = person_with("department_manager")
    assert is_customer(customer) and not is_customer(staff)
    assert person_field(customer, "full_name", viewer=viewer) == "王**"
    assert person_field(customer, "phone", viewer=viewer) == "139********"
    assert person_field(customer, "phone", viewer=customer) == "13912345678"
    assert person_field(staff, "phone", viewer=viewer) == "13700001111"
    assert person_field(customer, "username", viewer=viewer) == customer.username


@pytest.mark.django_db
def test_it_masks_the_same_way_in_templates(person_with, rf):
    """ORG-3: the `privacy` template library calls the same helper."""
    customer = person_with("customer", full_name="王小明", phone="13912345678")
    request = rf.get("/")
    request.user = person_with("quality_department")
    html = Template(
        '{% load privacy %}{{ phone|masked:"phone" }}|{% person_field p "full_name" %}|'
        '{% customer_field phone kind="phone" may_see=True %}'
    ).render(Context({"phone": "13812345678", "p": customer, "request": request}))
    assert html == "138********|王**|13812345678"
