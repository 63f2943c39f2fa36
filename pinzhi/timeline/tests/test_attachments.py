import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from pinzhi.orgs import services
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory
from pinzhi.timeline.filetypes import safe_display_name
from pinzhi.timeline.models import Event
from pinzhi.timeline.selectors import register_attachment_access
from pinzhi.timeline.services import AttachmentRefused, attachment_add

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def ooxml(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}document.xml", "<x/>")
    return buffer.getvalue()


def refusal(subject, person, file) -> str:
    with pytest.raises(AttachmentRefused) as error:
        attachment_add(subject=subject, uploaded_file=file, uploaded_by=person)
    assert error.value.field == "file"
    with translation.override("en"):
        return error.value.reason


@pytest.fixture
def uploader(person_with):
    return person_with("inspector")


@pytest.mark.parametrize(
    "name, content",
    [
        ("现场照片.jpg", JPEG),
        ("photo.JPEG", JPEG),
        ("chart.png", PNG),
        ("anim.gif", b"GIF89a" + b"\x00" * 20),
        ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20),
        ("iphone.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20),
        ("报告.pdf", PDF),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ("整改通知.docx", ooxml("word/")),
        ("台账.xlsx", ooxml("xl/")),
        ("slides.pptx", ooxml("ppt/")),
        ("notes.txt", "巡检记录：正常\n".encode()),
        ("gbk.csv", "单位,得分\n客服部,95\n".encode("gb18030")),
        ("unicode.txt", "\ufeff巡检".encode("utf-16")),
    ],
)
def test_it_accepts_the_allowed_types(unit, uploader, name, content):
    attachment = attachment_add(
        subject=unit, uploaded_file=upload(name, content), uploaded_by=uploader
    )
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.file.name.startswith(f"attachments/{attachment.uploaded_at:%Y/%m}/")
    assert name not in attachment.file.name  # stored under a random safe name
    assert attachment.subject == unit


def test_it_records_an_event_for_each_upload(unit, uploader):
    """X-1: the upload is attributed and time-stamped on the record's timeline."""
    attachment = attachment_add(
        subject=unit, uploaded_file=upload("现场照片.jpg", JPEG), uploaded_by=uploader
    )
    event = Event.objects.get(action="attachment.added", object_id=str(unit.pk))
    assert event.actor == uploader
    assert event.data["attachment_id"] == attachment.pk
    assert event.data["sha256"] == attachment.sha256
    assert len(attachment.sha256) == 64


def test_it_refuses_an_empty_file(unit, uploader):
    assert "“empty.pdf” is empty." in refusal(unit, uploader, upload("empty.pdf", b""))


def test_it_refuses_a_file_over_the_size_limit(unit, uploader, settings):
    settings.PINZHI_ATTACHMENT_MAX_BYTES = 100
    message = refusal(unit, uploader, upload("big.pdf", PDF + b"x" * 200))
    assert "“big.pdf”" in message and "100" in message


def test_it_refuses_a_type_not_allowed(unit, uploader):
    message = refusal(unit, uploader, upload("setup.exe", EXE))
    assert "“setup.exe” is not an allowed file type" in message
    assert "pdf" in message


def test_it_refuses_a_program_renamed_to_a_photo(unit, uploader):
    message = refusal(unit, uploader, upload("photo.jpg", EXE, "image/jpeg"))
    assert "“photo.jpg” is not really a .jpg file" in message


def test_it_refuses_a_zip_renamed_to_an_office_file(unit, uploader):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    assert "not really a .docx" in refusal(unit, uploader, upload("a.docx", buffer.getvalue()))


def test_it_refuses_binary_content_named_as_text(unit, uploader):
    assert "not really a .csv" in refusal(unit, uploader, upload("data.csv", EXE))


def test_it_strips_paths_from_unsafe_names(unit, uploader):
    assert "not an allowed file type" in refusal(
        unit, uploader, upload("../../etc/passwd", b"root:x:0:0")
    )
    attachment = attachment_add(
        subject=unit, uploaded_file=upload("..\\..\\x/报告.pdf", PDF), uploaded_by=uploader
    )
    assert attachment.original_name == "报告.pdf"
    assert ".." not in attachment.file.name


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\王\\整改照片 1.jpg", "整改照片 1.jpg"),
        ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("tab\there.txt", "tab_here.txt"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_it_makes_display_names_safe(raw, safe):
    assert safe_display_name(raw) == safe


def test_it_refuses_a_name_that_is_only_an_extension(unit, uploader):
    assert "“pdf” is not an allowed file type" in refusal(unit, uploader, upload(".pdf", PDF))


# --- downloads ----------------------------------------------------------------------------


@pytest.fixture
def photo(unit, person_with):
    owner = person_with("inspector", username="owner")
    return attachment_add(
        subject=unit, uploaded_file=upload("整改照片.jpg", JPEG), uploaded_by=owner
    )


def download(client, attachment):
    return client.get(reverse("timeline:attachment_download", args=[attachment.pk]))


def test_the_uploader_downloads_under_the_original_name(client, photo):
    client.force_login(photo.uploaded_by)
    response = download(client, photo)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('整改照片.jpg')}" in disposition
    assert b"".join(response.streaming_content) == JPEG


def test_the_quality_department_downloads_any_attachment_of_its_company(signed_in, photo):
    assert photo.company == photo.uploaded_by.company
    assert download(signed_in("quality_department"), photo).status_code == 200


def test_another_companys_quality_department_does_not_find_it(client, photo):
    """Issue 6 item 1: ids are sequential; B's quality department asking for A's file,
    customer photos included, gets "not found"."""
    other = PersonFactory(unit=UnitFactory(company=CompanyFactory(name="乙物业")))
    services.role_assign(person=other, role="quality_department", scope=[])
    client.force_login(other)
    assert download(client, photo).status_code == 404


def test_a_customer_photo_belongs_to_the_company_of_its_record(unit):
    """Issue 6 item 1: a file without an uploader (public form) still has a company."""
    attachment = attachment_add(subject=unit, uploaded_file=upload("p.jpg", JPEG), uploaded_by=None)
    assert attachment.company == unit.company


def test_the_quality_department_reaches_its_partners_attachments(signed_in, photo):
    """ORG-4: an external company the operator works with is audited by its quality
    department, not by anyone else's."""
    client = signed_in("quality_department")
    supplier = CompanyFactory(name="洁美保洁", kind="supplier", operator=client.person.company)
    on_supplier = attachment_add(
        subject=supplier, uploaded_file=upload("合同.pdf", PDF), uploaded_by=None
    )
    assert download(client, on_supplier).status_code == 200


def test_others_do_not_see_the_attachment(signed_in, photo):
    assert download(signed_in("inspector"), photo).status_code == 404


def test_an_app_rule_can_allow_a_download(signed_in, photo):
    client = signed_in("service_desk")
    register_attachment_access("orgs.unit", lambda user, subject: user.has_role("service_desk"))
    try:
        assert download(client, photo).status_code == 200
    finally:
        register_attachment_access("orgs.unit", lambda user, subject: False)


def test_signed_out_visitors_are_sent_to_sign_in(client, photo):
    assert download(client, photo).status_code == 302


# --- files left behind by a rolled-back transaction --------------------------------------


def test_it_purges_files_left_by_a_rolled_back_transaction(unit, uploader):
    """X-1: when the caller's transaction rolls back after `attachment_add`, the stored file
    has no row; the hourly sweep deletes it once it is an hour old, and nothing else."""
    import datetime as dt

    import time_machine
    from django.core.files.storage import default_storage
    from django.db import transaction

    from pinzhi.lib.clock import now
    from pinzhi.timeline.services import attachments_purge_orphans

    with pytest.raises(RuntimeError), transaction.atomic():
        lost = attachment_add(
            subject=unit, uploaded_file=upload("a.pdf", PDF), uploaded_by=uploader
        )
        raise RuntimeError("the caller failed after the upload")
    kept = attachment_add(subject=unit, uploaded_file=upload("b.pdf", PDF), uploaded_by=uploader)
    assert default_storage.exists(lost.file.name)
    assert attachments_purge_orphans() == []  # too young: its upload may still be running
    with time_machine.travel(now() + dt.timedelta(hours=2)):
        assert attachments_purge_orphans() == [lost.file.name]
    assert not default_storage.exists(lost.file.name)
    assert default_storage.exists(kept.file.name)


def test_the_clock_runs_the_orphan_sweep_every_hour(unit, uploader, settings):
    """X-1: the sweep is registered with the clock and runs as a task."""
    import datetime as dt

    from pinzhi.core.clock import periodic_jobs
    from pinzhi.timeline.tasks import attachments_purge_orphans

    job = periodic_jobs["timeline.purge_orphans"]
    assert job.every == dt.timedelta(hours=1) and job.task is attachments_purge_orphans
    assert attachments_purge_orphans.call() == {"deleted": 0}
