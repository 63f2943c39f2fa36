"""ORG-1: the import pages — upload, preview, confirm — keep the file under a random token
in the uploader's session, and import everything or nothing."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pinzhi.core.models import ImportBatch
from pinzhi.orgs.models import Unit
from pinzhi.orgs.tests.conftest import make_workbook

pytestmark = pytest.mark.django_db

UNITS = [["HQ", "总部", "部门", "", "", ""], ["GL1", "第一管理处", "管理处", "HQ", "", ""]]


def pending_batches():
    """The organisation import batches waiting for their confirmation (issue 7 item 3)."""
    return ImportBatch.objects.filter(kind="orgs", state=ImportBatch.State.PLANNED)


def upload(client, content, name="org.xlsx"):
    return client.post(reverse("orgs:import_upload"), {"file": SimpleUploadedFile(name, content)})


def test_it_previews_then_imports_on_confirmation(signed_in):
    client = signed_in("quality_department")
    response = upload(client, make_workbook(UNITS))
    assert response.url == reverse("orgs:import_preview")
    preview = client.get(response.url)
    html = preview.content.decode()
    assert 'data-testid="create-units">2<' in html and not Unit.objects.filter(code="HQ").exists()
    digest = pending_batches().get().meta["digest"]
    done = client.post(reverse("orgs:import_confirm"), {"digest": digest})
    assert done.url == reverse("orgs:tree")
    assert Unit.objects.get(code="GL1").path == "/HQ/GL1/"
    assert not pending_batches().exists()


def test_it_shows_every_error_and_offers_no_confirmation(signed_in):
    client = signed_in("quality_department")
    units = [*UNITS, ["GL2", "第二管理处", "管理处", "HQX", "", ""]]
    upload(client, make_workbook(units))
    html = client.get(reverse("orgs:import_preview")).content.decode()
    assert 'data-testid="issues"' in html and "HQX" in html
    assert 'data-testid="confirm-import"' not in html
    digest = pending_batches().get().meta["digest"]
    client.post(reverse("orgs:import_confirm"), {"digest": digest})
    assert not Unit.objects.filter(code="HQ").exists()


def test_it_refuses_a_file_that_changed_meaning_since_the_preview(signed_in, company):
    """Recheck at confirm time: if the data changed after the preview, the new preview is
    shown instead of importing blindly."""
    client = signed_in("quality_department")
    upload(client, make_workbook(UNITS))
    client.get(reverse("orgs:import_preview"))
    digest = pending_batches().get().meta["digest"]
    from pinzhi.orgs.tests.factories import UnitFactory

    UnitFactory(company=company, code="HQ", name="别人先建的总部")
    response = client.post(reverse("orgs:import_confirm"), {"digest": digest})
    assert response.url == reverse("orgs:import_preview")
    assert Unit.objects.get(code="HQ").name == "别人先建的总部"
    assert not Unit.objects.filter(code="GL1").exists()


def test_it_keeps_the_upload_private_to_its_owner_and_expires_it(signed_in, client, person_with):
    owner_client = signed_in("quality_department")
    upload(owner_client, make_workbook(UNITS))
    pending = pending_batches().get()
    other = person_with("quality_department")
    client.force_login(other)
    session = client.session
    session["orgs_import_token"] = pending.token  # even with a stolen token
    session.save()
    response = client.post(reverse("orgs:import_confirm"), {"digest": pending.meta["digest"]})
    assert response.url == reverse("orgs:import_upload")
    assert not Unit.objects.filter(code="HQ").exists()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        response = owner_client.post(
            reverse("orgs:import_confirm"), {"digest": pending.meta["digest"]}
        )
    assert response.url == reverse("orgs:import_upload")
    assert not Unit.objects.filter(code="HQ").exists()


def test_it_rejects_uploads_that_are_not_xlsx_by_name(signed_in):
    client = signed_in("quality_department")
    response = upload(client, b"a,b\n", name="org.csv")
    assert response.status_code == 200 and not pending_batches().exists()


def test_it_reports_a_csv_renamed_to_xlsx_on_the_preview(signed_in):
    client = signed_in("quality_department")
    upload(client, "单位编码,单位名称\nHQ,总部\n".encode("gbk"))
    html = client.get(reverse("orgs:import_preview")).content.decode()
    assert 'data-testid="import-errors"' in html


def test_it_cancels_an_upload(signed_in):
    client = signed_in("quality_department")
    upload(client, make_workbook(UNITS))
    client.post(reverse("orgs:import_cancel"))
    assert not pending_batches().exists()
    assert client.get(reverse("orgs:import_preview")).url == reverse("orgs:import_upload")


def test_it_serves_the_blank_template_to_the_quality_department_only(signed_in, client):
    qd = signed_in("quality_department")
    assert qd.get(reverse("orgs:import_template")).status_code == 200
    qd.logout()
    inspector = signed_in("inspector")
    assert inspector.get(reverse("orgs:import_template")).status_code == 403


def test_the_preview_offers_the_error_report_of_the_file(signed_in, client, person_with):
    """Issue 7 item 3: the preview of a file with problems links its .xlsx error report
    (line, column, value, reason); another company's people do not find it (404)."""
    import io

    from openpyxl import load_workbook

    qd = signed_in("quality_department")
    upload(qd, make_workbook([*UNITS, ["GL2", "第二管理处", "管理处", "HQX", "", ""]]))
    batch = pending_batches().get()
    url = reverse("orgs:import_errors", args=[batch.token])
    assert url in qd.get(reverse("orgs:import_preview")).content.decode()
    report = qd.get(url)
    assert report.status_code == 200
    rows = list(load_workbook(io.BytesIO(report.content)).worksheets[0].iter_rows(values_only=True))
    ((line, column, _value, reason),) = rows[1:]
    assert line == 4 and column == "单位 · 上级单位编码" and "HQX" in reason
    from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

    elsewhere = CompanyFactory()
    client.force_login(
        PersonFactory(
            company=elsewhere,
            unit=UnitFactory(company=elsewhere, code="ELSE"),
            roles=["quality_department"],
        )
    )
    assert client.get(url).status_code == 404
