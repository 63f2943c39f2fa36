"""INS-5 in a real browser at phone width (390 px): an inspection with a photo (marked with a
circle) and a signature, the network cut off half-way — the outbox count grows while the
answers wait on the phone — then back online: everything is sent once, nothing twice, and
the inspection is submitted."""

import io

import pytest
from PIL import Image

from pinzhi.inspections.models import Answer, Inspection, Photo, Signature
from pinzhi.inspections.tests.factories import inspection_planned, template_published
from pinzhi.orgs.tests.factories import PASSWORD, PersonFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def camera_jpeg(path):
    """A photo as a phone camera gives it: larger than the page keeps (2400 × 1800)."""
    buffer = io.BytesIO()
    Image.new("RGB", (2400, 1800), (180, 170, 150)).save(buffer, "JPEG", quality=70)
    path.write_bytes(buffer.getvalue())
    return str(path)


def sign_in(page, person):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/signin/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def outbox_count(page, expected):
    page.wait_for_function(
        "n => document.querySelector('[data-testid=outbox-count]').textContent === String(n)",
        arg=expected,
    )


def drag(page, testid, start, end):
    box = page.get_by_test_id(testid).bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=4)
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=4)
    page.mouse.up()


@pytest.fixture
def task(company, unit):
    office = UnitFactory(company=company, code="ZG", name="品质管理部")
    inspector = PersonFactory(unit=office, roles=["inspector"])
    return inspection_planned(version=template_published(company), unit=unit, inspector=inspector)


def test_no_answer_is_lost_when_the_network_drops_half_way(page, task, tmp_path):
    """INS-5: answers, a marked-up photo and a signature wait in the outbox (IndexedDB) while
    offline, with a visible count; back online they are sent once; the inspection submits."""
    sign_in(page, task.inspector)
    page.goto(f"/inspections/{task.pk}/")
    page.get_by_test_id("declared").check()
    page.get_by_test_id("credentials-shown").check()
    page.get_by_test_id("consent-by").fill("王经理（客服主管）")
    page.get_by_test_id("start").click()
    page.get_by_test_id("item-A1").wait_for()
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_test_id("pass-A1").click()
    outbox_count(page, 0)
    page.get_by_test_id("fail-B1").click()
    page.get_by_test_id("severity-B1").select_option("general")
    page.get_by_test_id("photo-B1").set_input_files(camera_jpeg(tmp_path / "IMG_0001.jpg"))
    page.get_by_test_id("markup-B1").wait_for()
    drag(page, "markup-B1", (0.3, 0.3), (0.7, 0.7))
    page.get_by_test_id("save-photo-B1").click()
    page.wait_for_function("() => document.querySelector('[data-photo-count]') !== null")
    page.get_by_test_id("markup-B1").wait_for(state="hidden")
    page.get_by_test_id("signer-B1").fill("李主管")
    drag(page, "signature-B1", (0.1, 0.6), (0.9, 0.4))
    page.get_by_test_id("sign-B1").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=signed-B1]').textContent.includes('李主管')"
    )
    outbox_count(page, 0)
    assert Photo.objects.count() == 1 and Signature.objects.count() == 1

    # The network goes: the answers wait on the phone, counted.
    page.context.set_offline(True)
    page.get_by_test_id("pass-A2").click()
    outbox_count(page, 1)
    page.get_by_test_id("pass-B2").click()
    page.get_by_test_id("observations").fill("地下车库照明正常")
    page.get_by_test_id("note-B2").click()  # leaving the text box saves it
    outbox_count(page, 3)
    page.get_by_test_id("send-now").click()  # still offline: nothing is lost
    outbox_count(page, 3)
    assert Answer.objects.filter(inspection=task).count() == 2

    # Back online: everything is sent, once.
    page.context.set_offline(False)
    page.get_by_test_id("send-now").click()
    outbox_count(page, 0)
    answers = list(Answer.objects.filter(inspection=task).values_list("item__code", flat=True))
    assert sorted(answers) == ["A1", "A2", "B1", "B2"]
    assert Photo.objects.count() == 1 and Signature.objects.count() == 1
    photo = Photo.objects.get()
    assert photo.annotated
    with Image.open(photo.attachment.file) as stored:
        assert max(stored.size) <= 1600  # compressed in the browser
    task.refresh_from_db()
    assert task.observations == "地下车库照明正常"

    page.get_by_test_id("submit").click()
    page.get_by_test_id("score").wait_for()
    task.refresh_from_db()
    assert task.status == Inspection.Status.SUBMITTED
    assert Answer.objects.filter(inspection=task).count() == 4
