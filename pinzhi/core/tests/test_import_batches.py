"""Issue 7 item 3: one import batch model for every tabular import — the upload kept through
Django's storage API, the plan and the per-row errors in the database, applied atomically and
once, scoped to its company, with a downloadable error report and a purge of stale batches."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.http import Http404
from openpyxl import load_workbook

from pinzhi.core.imports import (
    ImportAlreadyApplied,
    ImportNotPlanned,
    error_row,
    import_batch_apply,
    import_batch_claim,
    import_batch_create,
    import_batch_discard,
    import_batch_for,
    import_batch_plan,
    import_batch_read,
    import_batches_purge,
    import_error_report,
)
from pinzhi.core.models import ImportBatch
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Unit
from pinzhi.orgs.tests.factories import CompanyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def company():
    return CompanyFactory()


@pytest.fixture
def person(company):
    return PersonFactory(
        company=company,
        unit=UnitFactory(company=company, code="HQ"),
        roles=["quality_department"],
    )


def new_batch(company, person, content=b"a,b\n1,2\n") -> ImportBatch:
    return import_batch_create(
        company=company, kind="test", created_by=person, filename="台账.csv", content=content
    )


def test_it_keeps_the_upload_through_the_storage_api(company, person, media):
    """Issue 7 item 3: the upload is a FileField of the default storage (a worker on
    another machine or object storage reads it), never a path under MEDIA_ROOT built by
    hand; the batch is planned and belongs to its company."""
    batch = new_batch(company, person)
    assert batch.upload.name.startswith(f"imports/test/{batch.token}/")
    assert default_storage.exists(batch.upload.name)
    assert import_batch_read(batch) == b"a,b\n1,2\n"
    assert batch.state == ImportBatch.State.PLANNED and batch.company == company


def test_a_batch_is_planned_previewed_and_applied_once(company, person):
    """Issue 7 item 3: plan → preview → confirm → apply; applying twice is refused and
    writes nothing more."""
    batch = new_batch(company, person)
    import_batch_plan(
        batch,
        plan={"rows": [[2, "HQ2", "create"]]},
        errors=[error_row(3, "单位编码 (A)", "", "必填")],
        counts={"create": 1},
    )
    batch.refresh_from_db()
    assert batch.plan == {"rows": [[2, "HQ2", "create"]]}
    assert batch.errors == [[3, "单位编码 (A)", "", "必填"]] and batch.planned_at

    def apply(locked):
        UnitFactory(company=company, code="HQ2")
        return {"created": 1}

    assert import_batch_apply(batch, apply) == {"created": 1}
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.applied_at
    assert batch.counts == {"create": 1, "created": 1}
    assert not batch.upload  # dropped once applied
    with pytest.raises(ImportAlreadyApplied):
        import_batch_apply(batch, apply)
    assert Unit.objects.filter(code="HQ2").count() == 1


def test_an_apply_that_fails_writes_nothing_and_leaves_the_batch_planned(company, person):
    """Issue 7 item 3: the apply is atomic: the importer's writes and the batch's state
    commit together or not at all."""
    batch = new_batch(company, person)

    def apply(locked):
        UnitFactory(company=company, code="HALF")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_batch_apply(batch, apply)
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PLANNED
    assert not Unit.objects.filter(code="HALF").exists()


def test_a_batch_is_started_once_and_a_discarded_one_never(
    company, person, django_capture_on_commit_callbacks
):
    """Issue 7 item 3: a queued import claims its batch with a conditional UPDATE; a second
    start, or a start of a discarded batch, is refused."""
    batch = new_batch(company, person)
    import_batch_claim(batch)
    with pytest.raises(ImportAlreadyApplied):
        import_batch_claim(ImportBatch.objects.get(pk=batch.pk))
    other = new_batch(company, person)
    name = other.upload.name
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_discard(other)
    other.refresh_from_db()
    assert other.state == ImportBatch.State.DISCARDED and not other.upload
    assert not default_storage.exists(name)
    with pytest.raises(ImportNotPlanned):
        import_batch_claim(other)
    with pytest.raises(ImportNotPlanned):
        import_batch_apply(other, lambda locked: {})


def test_another_companys_batch_is_not_found(company, person):
    """Issue 7 item 3: a batch is scoped to its company: another company's people get 404,
    a superuser finds it."""
    batch = new_batch(company, person)
    elsewhere = CompanyFactory()
    stranger = PersonFactory(
        company=elsewhere,
        unit=UnitFactory(company=elsewhere, code="ELSE"),
        roles=["quality_department"],
    )
    assert import_batch_for(person, token=batch.token, kind="test") == batch
    with pytest.raises(Http404):
        import_batch_for(stranger, token=batch.token, kind="test")
    with pytest.raises(Http404):
        import_batch_for(person, token=batch.token, kind="orgs")
    assert import_batch_for(PersonFactory(is_superuser=True), token=batch.token, kind="test")


def test_the_error_report_lists_line_column_value_and_reason_as_text(company, person):
    """Issue 7 item 3: the downloadable report has one row per error; a value that looks
    like a formula stays text (issue 6 item 6); rows beyond the stored ones are counted."""
    batch = new_batch(company, person)
    import_batch_plan(
        batch,
        errors=[
            error_row(4, "投诉时间 (A)", "昨天", "“昨天” 不是日期"),
            error_row(7, "投诉人 (B)", "=HYPERLINK(1)", "含有公式"),
        ],
    )
    sheet = load_workbook(io.BytesIO(import_error_report(batch))).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["行号", "列", "单元格内容", "原因"]
    assert rows[1] == [4, "投诉时间 (A)", "昨天", "“昨天” 不是日期"]
    assert rows[2][2] == "=HYPERLINK(1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_stale_batches_are_purged_with_their_uploads(company, person):
    """Issue 7 item 3: a batch never applied is purged after PINZHI_IMPORT_PLAN_HOURS, a
    finished one after PINZHI_IMPORT_KEEP_DAYS, each with its upload; fresh ones stay."""
    stale = new_batch(company, person)
    applied = new_batch(company, person)
    import_batch_apply(applied, lambda locked: {})
    with time_machine.travel(now() + timedelta(hours=25), tick=False):
        fresh = new_batch(company, person)
        assert import_batches_purge(at=now()) == 1
    assert not ImportBatch.objects.filter(pk=stale.pk).exists()
    assert not default_storage.exists(stale.upload.name)
    assert ImportBatch.objects.filter(pk__in=[applied.pk, fresh.pk]).count() == 2
    with time_machine.travel(now() + timedelta(days=31), tick=False):
        assert import_batches_purge(at=now()) == 2
    assert not ImportBatch.objects.exists()


def test_the_purge_is_a_periodic_job_of_the_clock():
    """Issue 7 item 3: the clock enqueues the purge like the other purges."""
    from pinzhi.core.clock import periodic_jobs

    assert "core.import_batches_purge" in periodic_jobs


def test_the_error_report_is_a_filtered_table_with_line_numbers_as_numbers(company, person):
    """Issue 8 item 6: the error report's header is frozen and filtered, its line numbers
    are numbers, and the reason column is wide enough for its Chinese text."""
    batch = new_batch(company, person)
    reason = "“昨天” 不是日期，请填写如 2025-03-01 的日期"
    import_batch_plan(batch, errors=[error_row(4, "投诉时间 (A)", "昨天", reason)])
    sheet = load_workbook(io.BytesIO(import_error_report(batch))).worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D2"
    assert sheet["A2"].data_type == "n" and sheet["A2"].value == 4
    assert sheet.column_dimensions["D"].width >= 40
