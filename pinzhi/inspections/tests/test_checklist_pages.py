"""The checklist builder's pages and its Excel export and import (INS-4, X-4)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from pinzhi.core.models import ImportBatch
from pinzhi.inspections import checklist_io, checklists
from pinzhi.inspections.models import ChecklistItem, ChecklistTemplate, TemplateVersion

Status = TemplateVersion.Status


@pytest.fixture
def builder(signed_in):
    return signed_in("quality_department")


@pytest.fixture
def installed(company):
    return {t.code: t for t in checklists.checklists_install_pack(company=company, pack="property")}


def _xlsx(rows, headers=None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["服务质量巡检表（导入）"])
    sheet.append(
        headers
        or ["分区", "编号", "检查内容", "权重", "评分方式", "满分", "合格分", "关键项", "追加于"]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("checklist.xlsx", out.getvalue())


def test_the_list_shows_the_company_checklists_with_their_version(builder, installed):
    response = builder.get(reverse("checklists:list"), {"q": "清洁"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "清洁服务日检查表" in text and "服务质量巡检表" not in text


def test_the_empty_list_offers_the_pack(builder):
    response = builder.get(reverse("checklists:list"))
    assert 'data-testid="empty"' in response.content.decode()
    assert 'data-testid="install-link"' in response.content.decode()


def test_it_installs_the_pack_from_the_page(builder, company):
    """INS-4: the seeds' templates are one click away, and a second click adds nothing."""
    response = builder.post(reverse("checklists:install"))
    assert response.status_code == 302
    count = ChecklistTemplate.objects.filter(company=company).count()
    assert count >= 4
    builder.post(reverse("checklists:install"))
    assert ChecklistTemplate.objects.filter(company=company).count() == count


def test_it_builds_a_checklist_in_the_ui(builder, company):
    """INS-4: create → add items (a follow-up, a scale item) → publish."""
    response = builder.post(
        reverse("checklists:create"),
        {"code": "GRN", "name": "绿化检查表", "cadence": "weekly", "pass_percent": "80"},
    )
    draft = TemplateVersion.objects.get(template__code="GRN")
    assert response["Location"] == reverse("checklists:version", args=[draft.pk])
    add = reverse("checklists:item_create", args=[draft.pk])
    builder.post(add, {"code": "G1", "text": "绿化完整", "weight": "2", "scoring": "pass_fail"})
    main = draft.items.get(code="G1")
    builder.post(
        add,
        {
            "code": "G1a",
            "text": "已补种",
            "weight": "1",
            "scoring": "pass_fail",
            "follow_up_of": main.pk,
        },
    )
    refused = builder.post(
        add,
        {
            "code": "G2",
            "text": "长势",
            "weight": "1",
            "scoring": "scale",
            "max_score": "5",
            "pass_score": "6",
        },
    )
    assert refused.status_code == 200
    assert "合格分（6）不能高于满分（5）" in refused.content.decode()
    builder.post(
        add,
        {
            "code": "G2",
            "text": "长势",
            "weight": "1",
            "scoring": "scale",
            "max_score": "5",
            "pass_score": "3",
        },
    )
    page = builder.get(reverse("checklists:version", args=[draft.pk])).content.decode()
    assert "满分 3" in page and "G1 不合格时检查" in page
    builder.post(reverse("checklists:publish", args=[draft.pk]), {"note": "首版"})
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED and draft.note == "首版"
    assert draft.items.get(code="G1a").follow_up_of == main


def test_a_published_version_offers_no_editing(builder, installed):
    version = checklists.template_version_current(installed["XJB"])
    page = builder.get(reverse("checklists:version", args=[version.pk])).content.decode()
    assert 'data-testid="add-item"' not in page
    item = version.items.first()
    response = builder.post(reverse("checklists:item_edit", args=[item.pk]), {"text": "改"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.text != "改"


def test_an_inspector_reads_but_does_not_build(signed_in, installed):
    """ORG-2: the inspector sees the checklists; the builder's pages refuse them."""
    inspector = signed_in("inspector")
    version = checklists.template_version_current(installed["XJB"])
    assert inspector.get(reverse("checklists:version", args=[version.pk])).status_code == 200
    assert inspector.get(reverse("checklists:create")).status_code == 403
    assert (
        inspector.post(reverse("checklists:draft", args=[installed["XJB"].pk])).status_code == 403
    )


def test_export_and_import_give_the_same_items(builder, installed):
    """INS-4, X-4: a version exported to Excel and imported back makes a new draft with
    the same items, scoring, critical flags and follow-ups."""
    template = installed["XJB"]
    current = checklists.template_version_current(template)
    exported = builder.get(reverse("checklists:export", args=[current.pk]))
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert sheet.cell(1, 2).value == "编号"
    upload = SimpleUploadedFile("xjb.xlsx", exported.content)
    response = builder.post(reverse("checklists:import", args=[template.pk]), {"file": upload})
    draft = checklists.template_draft(template)
    assert response.status_code == 302 and draft.number == 2

    def shape(version):
        return [
            (
                i.section,
                i.code,
                i.text,
                i.weight,
                i.scoring,
                i.max_score,
                i.pass_score,
                i.allow_na,
                i.critical,
                i.photo_on_failure,
                i.follow_up_of.code if i.follow_up_of else None,
            )
            for i in version.items.select_related("follow_up_of").order_by("order")
        ]

    assert shape(draft) == shape(current)
    assert ImportBatch.objects.get(kind=checklist_io.KIND).state == ImportBatch.State.APPLIED


def test_a_bad_workbook_imports_nothing_and_names_each_row_and_column(builder, installed):
    """INS-4, X-4: every problem with its row and column; no draft is made; the error
    report is downloadable."""
    template = installed["CLN-D"]
    upload = _xlsx(
        [
            ["公共区域", "A1", "地面干净", 1, "合格/不合格", None, None, "否", None],
            ["公共区域", "A1", "重复编号", 1, "合格/不合格", None, None, "否", None],
            ["公共区域", "A2", "权重为零", 0, "合格/不合格", None, None, "否", None],
            ["公共区域", "A3", "满分小于合格分", 1, "0~N 分", 5, 6, "否", None],
            ["公共区域", "A4", "追加到不存在的项", 1, "合格/不合格", None, None, "也许", "Z9"],
        ]
    )
    response = builder.post(reverse("checklists:import", args=[template.pk]), {"file": upload})
    assert response.status_code == 400
    text = response.content.decode()
    assert "没有导入任何内容" in text or "nothing was imported" in text
    assert checklists.template_draft(template) is None
    batch = ImportBatch.objects.get(kind=checklist_io.KIND)
    reasons = {(line, column.split(" ")[0]) for line, column, _v, _r in batch.errors}
    # Line 1 is a title, line 2 the header: the rows are lines 3 to 7.
    assert (7, "关键项") in reasons and (7, "追加于") in reasons
    assert {(4, "编号"), (5, "权重"), (6, "合格分")} <= reasons
    report = builder.get(reverse("checklists:import_errors", args=[template.pk, batch.token]))
    assert report.status_code == 200


def test_an_import_refuses_a_file_that_is_not_a_workbook(builder, installed):
    template = installed["CLN-D"]
    upload = SimpleUploadedFile("items.xlsx", b"code,text\nA1,x\n")
    response = builder.post(reverse("checklists:import", args=[template.pk]), {"file": upload})
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()
    assert ChecklistItem.objects.filter(version__template=template).count() == 7


def test_an_import_waits_for_the_draft_in_the_way(builder, installed, company):
    template = installed["CLN-D"]
    checklists.version_draft_create(template=template)
    upload = _xlsx([["x", "A1", "地面干净", 1, "合格/不合格", None, None, "否", None]])
    response = builder.post(reverse("checklists:import", args=[template.pk]), {"file": upload})
    assert response.status_code == 400
    assert "发布或放弃" in response.content.decode()


def test_the_steps_run_from_their_confirmation_pages(builder, installed):
    template = installed["CLN-W"]
    assert builder.get(reverse("checklists:draft", args=[template.pk])).status_code == 200
    builder.post(reverse("checklists:draft", args=[template.pk]))
    draft = checklists.template_draft(template)
    item = draft.items.get(code="W06")
    refused = builder.post(reverse("checklists:item_remove", args=[item.pk]))
    assert refused.status_code == 302 and draft.items.filter(pk=item.pk).exists()
    builder.post(reverse("checklists:item_move", args=[item.pk]), {"direction": "up"})
    item.refresh_from_db()
    assert item.order == 5
    builder.post(reverse("checklists:discard", args=[draft.pk]))
    assert checklists.template_draft(template) is None
    current = checklists.template_version_current(template)
    builder.post(reverse("checklists:retire", args=[current.pk]))
    current.refresh_from_db()
    assert current.status == Status.RETIRED
