"""ORG-3: personal data inside free text (issue 8 item 3)."""

import pytest

from pinzhi.lib.privacy import customer_text, mask_text

NOTE = "业主独孤求败（电话13933330001）反映杭州市西湖区翠苑小区3栋2单元1201漏水，座机0571-87654321"


def test_it_masks_the_mobile_number_name_and_address_in_a_hotline_note():
    """ORG-3: 「业主独孤求败（电话13933330001）反映…」 shows neither name nor number."""
    shown = mask_text(NOTE, names=["独孤求败"], addresses=["翠苑小区3栋2单元1201"])
    assert "13933330001" not in shown and "0001" not in shown
    assert "独孤求败" not in shown and "独***" in shown
    assert "139********" in shown
    assert "2单元1201" not in shown and "翠苑小区3栋****" in shown
    assert "0571-********" in shown


@pytest.mark.parametrize(
    "number",
    ["13933330001", "139 3333 0001", "139-3333-0001", "+86 139 3333 0001", "+8613933330001"],
)
def test_it_masks_a_mobile_number_written_any_usual_way(number):
    """ORG-3: a mobile with spaces, dashes or +86 loses its last eight digits."""
    shown = mask_text(f"客户来电{number}，要求回电")
    assert "0001" not in shown and "3333" not in shown
    assert shown.startswith("客户来电") and shown.endswith("，要求回电")


@pytest.mark.parametrize(
    "number",
    [
        "0571-87654321",
        "0571 87654321",
        "(0571)87654321",
        "010-6543210",
        "0571-87654321-802",
        "0571-87654321转802",
    ],
)
def test_it_masks_a_landline_with_its_extension(number):
    """ORG-3: the area code stays, the local number and extension are hidden."""
    shown = mask_text(f"座机{number}无人接听")
    assert "654321" not in shown and "543210" not in shown and "802" not in shown
    assert "0571" in shown or "010" in shown


def test_it_masks_a_landline_written_without_a_dash_after_a_word_saying_so():
    """ORG-3: 「电话057187654321」 is a landline."""
    assert "87654321" not in mask_text("联系电话057187654321")


@pytest.mark.parametrize("card", ["110101199003077777", "11010119900307777X", "11010119900307777x"])
def test_it_masks_an_id_card_number(card):
    """ORG-3: an 18-digit ID-card number keeps only its region."""
    shown = mask_text(f"身份证号{card}。")
    assert shown == "身份证号110101************。"


def test_it_masks_an_email_address():
    """ORG-3: e-mail addresses as the field is masked."""
    assert mask_text("请回复至 zhang.san@example.com 谢谢") == "请回复至 z***@example.com 谢谢"


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-01 14:30 到访，2025年3月1日再次反映",
        "退款金额 1280.50 元，订单号 20250301123456789",
        "查询码 TS-20250301-0042，工单号 GD2025030100123",
        "3栋2单元1201室漏水，电梯编号 13800138000A",
        "快递单号 SF1393333000112",
        "房间 8012，保修期 12 个月，面积 139.33 平方米",
        "金额13933330001.50元",
    ],
)
def test_it_leaves_dates_amounts_codes_and_room_numbers_alone(text):
    """ORG-3: no false positives on ordinary numbers."""
    assert mask_text(text) == text


def test_it_shows_the_text_in_clear_to_a_viewer_who_may_see_the_customer():
    """ORG-3: the quality department and the registrar see the note as written."""
    assert customer_text(NOTE, may_see=True, names=["独孤求败"]) == NOTE
    assert "13933330001" not in customer_text(NOTE, may_see=False)


def test_it_leaves_empty_text_empty():
    assert mask_text(None) == "" and mask_text("  ") == ""
