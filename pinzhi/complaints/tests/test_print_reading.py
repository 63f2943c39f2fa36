"""The printed forms read right (issue 8 item 6): the letter names its sender as the sender,
its summary never prints the same text twice, the handling record's signatures never stand
alone on a page, and its callbacks name who called back."""

import re
import subprocess

from pinzhi.complaints import printing, services
from pinzhi.complaints.tests.test_print import handled, needs_poppler
from pinzhi.core.printing import pdf_from_html

CONTENT = "楼下商铺每晚十一点后还在装卸货物，噪音很大，影响休息，保安没有制止。"


def route(org, complaint):
    return services.complaint_route(
        complaint=complaint, actor=org.registrar, department=org.ab, head=org.head, request="查"
    )


def first_copy(html: str) -> str:
    return html.split('<section class="copy">')[1]


def test_it_labels_the_sender_of_the_letter_as_its_sender(clock, org, register):
    """Issue 8 item 6: the sender's row reads 发函人, not the date filter's 「起始日期」."""
    letter = route(org, register())
    html = printing.contact_letter_html(letter, viewer=org.registrar)
    assert "发函人" in html and "起始日期" not in html


def test_it_prints_a_summary_titled_with_its_first_words_once(clock, org, register):
    """Issue 8 item 6: a complaint from the public form is titled with the first words of
    its content; the letter's summary prints that text once, not the title and then the
    same content again."""
    complaint = register(title=CONTENT[:20], content=CONTENT)
    copy = first_copy(printing.contact_letter_html(route(org, complaint), viewer=org.registrar))
    assert copy.count(CONTENT[:20]) == 1
    assert CONTENT in copy


def test_it_prints_a_title_of_its_own_above_the_content(clock, org, register):
    complaint = register(title="夜间噪音扰民", content=CONTENT)
    copy = first_copy(printing.contact_letter_html(route(org, complaint), viewer=org.registrar))
    assert "<strong>夜间噪音扰民</strong>" in copy and CONTENT in copy


def test_it_names_who_called_back_in_the_handling_record(clock, org, register):
    """Issue 8 item 6: the callbacks' column reads 回访人 (the policy pages' 「修订人」 is
    another word for "By")."""
    complaint = register()
    handled(org, complaint)
    html = printing.handling_record_html(complaint, viewer=org.registrar)
    assert "回访人" in html and "修订人" not in html


def page_texts(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "handling.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])
    return [
        re.sub(
            r"\s+",
            "",
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout,
        )
        for n in range(1, pages + 1)
    ]


@needs_poppler
def test_it_never_leaves_the_signature_row_alone_on_a_page(clock, org, register, tmp_path):
    """Issue 8 item 6: however long what precedes it (here pushed down by a few
    millimetres at a time), the signature row goes to the next page with the closing rows
    (final result, evaluation, closure), never alone."""
    complaint = register()
    handled(org, complaint)
    html = printing.handling_record_html(complaint, viewer=org.registrar)
    signature, final_result = "部门负责人：", "最终结果"
    for push in range(18, 43, 8):
        pushed = html.replace(
            '<table class="form">', f'<div style="height:{push}mm"></div><table class="form">', 1
        )
        pages = page_texts(pdf_from_html(pushed), tmp_path)
        signed = [text for text in pages if signature in text]
        assert len(signed) == 1, push
        assert final_result in signed[0], (push, signed[0][:80])
