"""The rectification pages: a unit's findings, the overdue board, the nonconformity page
with its steps, the printed forms (NCR-1 … NCR-4)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import PASSWORD
from pinzhi.rectification import services
from pinzhi.rectification.models import Nonconformity

from .test_loop import PNG, _finding


def _as(client, person):
    assert client.login(username=person.username, password=PASSWORD)
    return client


def test_the_unit_reports_its_fix_with_a_photo_and_the_inspector_verifies(client, org):
    """NCR-2 on the pages: the unit's admin reports the fix with a photo; the inspector
    accepts it; the page shows both."""
    nc = _finding(org)
    _as(client, org.unitqa)
    page = client.get(reverse("rectification:detail", args=[nc.pk]))
    assert page.status_code == 200 and "回复整改" in page.content.decode()
    photo = SimpleUploadedFile("fix.png", PNG, content_type="image/png")
    response = client.post(
        reverse("rectification:act", args=[nc.pk, "report_fix"]),
        {"text": "已更换", "photos": [photo]},
    )
    assert response.status_code == 302
    nc.refresh_from_db()
    assert nc.status == Nonconformity.Status.FIX_REPORTED
    assert nc.fix_reports.get().attachment_ids
    client.logout()
    _as(client, org.inspector)
    response = client.post(reverse("rectification:act", args=[nc.pk, "accept"]), {"note": "合格"})
    assert response.status_code == 302
    page = client.get(reverse("rectification:detail", args=[nc.pk])).content.decode()
    assert "已验证关闭" in page and 'data-testid="evidence"' in page


def test_an_empty_fix_report_is_refused_beside_its_field(client, org):
    """Bad input: the fix needs a description; the page says so with a 400."""
    nc = _finding(org)
    _as(client, org.unitqa)
    response = client.post(reverse("rectification:act", args=[nc.pk, "report_fix"]), {"text": ""})
    assert response.status_code == 400
    nc.refresh_from_db()
    assert nc.status == Nonconformity.Status.OPEN


def test_a_step_someone_may_not_take_is_refused_with_its_reason(client, org):
    """NCR-2: the unit does not verify its own fix."""
    nc = _finding(org)
    services.nonconformity_report_fix(nonconformity=nc, actor=org.unitqa, text="已处理")
    _as(client, org.unitqa)
    response = client.post(reverse("rectification:act", args=[nc.pk, "accept"]), {"note": "ok"})
    assert response.status_code == 403
    assert "检查员或质量管理部" in response.content.decode()


def test_the_board_lists_the_longest_overdue_first_with_a_bounded_query_count(client, org, clock):
    """NCR-3: the board sorts by overrun; its queries do not grow with the rows shown."""
    services.nonconformity_raise(
        unit=org.estates[0], title="甲问题", severity="minor", actor=org.inspector
    )
    clock.move_to(now() + timedelta(hours=2))
    services.nonconformity_raise(
        unit=org.estates[1], title="乙问题", severity="minor", actor=org.inspector
    )
    clock.move_to(now() + timedelta(days=2))
    _as(client, org.quality)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("rectification:board")).content.decode()
    assert page.index("甲问题") < page.index("乙问题") and "已逾期" in page
    for n in range(10):
        services.nonconformity_raise(
            unit=org.estates[2],
            title=f"丙{n}",
            severity="minor",
            actor=org.inspector,
            at=now() - timedelta(days=3),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("rectification:board"))
    assert len(many) <= len(few) + 1


def test_a_unit_sees_only_its_own_findings_in_the_list(client, org):
    """ORG-2: the list shows the findings of the units in the person's scope."""
    services.nonconformity_raise(
        unit=org.estates[0], title="本单位问题", severity="general", actor=org.inspector
    )
    services.nonconformity_raise(
        unit=org.estates[1], title="别的单位问题", severity="general", actor=org.inspector
    )
    _as(client, org.unitqa)
    page = client.get(reverse("rectification:list")).content.decode()
    assert "本单位问题" in page and "别的单位问题" not in page


def test_the_pages_and_printed_forms_open(client, org):
    """NCR-2, NCR-4: the raise and supervision forms, the 督办单 and 报事单 PDFs."""
    nc = _finding(org)
    services.work_order_issue(nonconformity=nc, actor=org.inspector, job="外墙清洗")
    order = services.supervision_order_issue(
        unit=org.estate,
        problem="照明",
        stages=[("排查", now() + timedelta(days=3))],
        actor=org.quality,
    )
    _as(client, org.quality)
    assert client.get(reverse("rectification:raise")).status_code == 200
    response = client.post(
        reverse("rectification:raise"),
        {
            "unit": org.estate.pk,
            "title": "电梯按钮失灵",
            "severity": "general",
            "source": "observation",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("rectification:supervision_create")).status_code == 200
    for name, pk in [
        ("rectification:supervision_pdf", order.pk),
        ("rectification:work_order_pdf", nc.pk),
    ]:
        pdf = client.get(reverse(name, args=[pk]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    stage = order.stages.get()
    response = client.post(
        reverse("rectification:stage_complete", args=[stage.pk]), {"note": "已排查"}
    )
    assert response.status_code == 302
