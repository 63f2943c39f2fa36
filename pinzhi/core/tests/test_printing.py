"""Shared printing helpers (issue 7 item 4): any app prints through pinzhi.core.printing and
print_base.html, which know nothing of the app."""

import pytest
from django.template import Context, Template
from django.utils import translation

from pinzhi.core import printing


@pytest.mark.parametrize(
    "n,count,word", [(1, False, "一"), (2, False, "二"), (2, True, "两"), (10, False, "十")]
)
def test_it_writes_small_numbers_in_chinese(n, count, word):
    assert printing.chinese_numeral(n, count=count) == word


def test_it_keeps_digits_above_ten_and_in_other_languages():
    assert printing.chinese_numeral(11) == "11"
    with translation.override("en"):
        assert printing.number_word(3) == "3"
    with translation.override("zh-hans"):
        assert printing.number_word(3) == "三"


def test_it_lays_out_any_form_on_the_print_base():
    """Issue 7 item 4: the print base takes a title, a running foot and a body."""
    html = Template(
        '{% extends "print_base.html" %}{% block title %}巡检记录表{% endblock %}'
        '{% block footer %}<div class="print-note">脚注</div>{% endblock %}'
        '{% block body %}<h1 class="form-title">巡检记录表</h1>{% endblock %}'
    ).render(Context({"page_counter": printing.page_counter_css()}))
    assert "<title>巡检记录表</title>" in html and "size: A4" in html
    assert "counter(pages)" in html and "脚注" in html


def test_it_serves_a_pdf_inline_under_its_chinese_name_and_uncached():
    response = printing.pdf_response(
        b"%PDF-1.7", title="投诉处置表", code="TS-1", ascii_name="handling-record"
    )
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="handling-record-TS-1.pdf"' in response["Content-Disposition"]
    assert "filename*=UTF-8''%E6%8A%95" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
