"""Conducting an inspection (INS-5, INS-6): start, idempotent answers, photos and signatures,
confirmation, submission."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pinzhi.deadlines.models import Deadline
from pinzhi.deadlines.services import deadline_open
from pinzhi.inspections import services
from pinzhi.inspections.conducting_flow import InspectionError
from pinzhi.inspections.models import Answer, Inspection, Photo, Signature
from pinzhi.inspections.tests.factories import inspection_planned, template_published
from pinzhi.lib.clock import now
from pinzhi.orgs.tests.factories import UnitFactory
from pinzhi.timeline.models import Event

# The smallest valid JPEG and PNG files.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc000"
    "0b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400"
    "b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c1"
    "1552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63"
    "6465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6"
    "b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008"
    "010100003f00fbd0ffd9"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000"
    "0500010d0a2db40000000049454e44ae426082"
)


def jpeg(name="photo.jpg"):
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


def png(name="signature.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def inspector(person_with, company):
    office = UnitFactory(company=company, code="ZG", name="品质管理部")
    return person_with("inspector", unit=office)


@pytest.fixture
def task(company, unit, inspector):
    return inspection_planned(version=template_published(company), unit=unit, inspector=inspector)


def started(task, inspector):
    return services.inspection_start(
        inspection=task,
        actor=inspector,
        declared_no_conflict=True,
        credentials_shown=True,
        consent_by="王经理",
    )


def answer(task, inspector, code, result="pass", key=None, **kwargs):
    return services.answer_record(
        inspection=task,
        actor=inspector,
        item_code=code,
        client_key=key or uuid.uuid4(),
        result=result,
        **kwargs,
    )


def test_it_refuses_to_start_without_the_declaration_credentials_and_consent(task, inspector):
    """INS-6, INS-5: no declaration of no conflict, no credentials shown or no consent: refused,
    each with its own reason."""
    for missing, field in (
        ({"declared_no_conflict": False}, "declared_no_conflict"),
        ({"credentials_shown": False}, "credentials_shown"),
        ({"consent_by": " "}, "consent_by"),
    ):
        values = {"declared_no_conflict": True, "credentials_shown": True, "consent_by": "王经理"}
        values.update(missing)
        with pytest.raises(InspectionError) as refused:
            services.inspection_start(inspection=task, actor=inspector, **values)
        assert refused.value.field == field
    task.refresh_from_db()
    assert task.status == Inspection.Status.PLANNED


def test_it_records_the_declaration_and_consent_on_start(task, inspector):
    """INS-5, INS-6: who consented and when; the declaration's time; on the timeline."""
    started(task, inspector)
    task.refresh_from_db()
    assert task.status == Inspection.Status.IN_PROGRESS
    assert task.declared_at and task.consent_at and task.consent_by == "王经理"
    assert Event.objects.filter(action="inspection.started").count() == 1


def test_it_never_lets_an_inspector_inspect_their_own_unit(company, unit, person_with):
    """INS-6: an inspector belonging to the unit may not start its inspection."""
    own = person_with("inspector", unit=unit)
    task = inspection_planned(version=template_published(company), unit=unit, inspector=own)
    with pytest.raises(InspectionError) as refused:
        started(task, own)
    assert refused.value.field == "declared_no_conflict"


def test_it_keeps_one_answer_however_often_the_phone_resends_it(task, inspector):
    """INS-5: a resend with the same client key returns the stored answer, never a second."""
    started(task, inspector)
    key = uuid.uuid4()
    first = answer(task, inspector, "A1", key=key)
    again = answer(task, inspector, "A1", key=key)
    assert first.created and not again.created
    assert again.record.pk == first.record.pk
    assert Answer.objects.filter(inspection=task).count() == 1


def test_a_later_answer_replaces_an_earlier_one_and_an_older_one_is_ignored(task, inspector):
    """INS-5: the answer given last on the phone stands, whatever order the sends arrive in."""
    started(task, inspector)
    moment = now()
    answer(task, inspector, "A1", "pass", answered_at=moment)
    answer(
        task, inspector, "A1", "fail", severity="minor", answered_at=moment - timedelta(minutes=1)
    )
    assert Answer.objects.get(inspection=task).result == "pass"
    answer(
        task, inspector, "A1", "fail", severity="minor", answered_at=moment + timedelta(seconds=1)
    )
    assert Answer.objects.get(inspection=task).result == "fail"


def test_it_asks_for_a_severity_on_failure_and_refuses_unknown_items(task, inspector):
    """INS-5: a failed item needs its severity (NCR-1); an item not on the checklist is named."""
    started(task, inspector)
    with pytest.raises(InspectionError) as refused:
        answer(task, inspector, "A1", "fail")
    assert refused.value.field == "severity"
    with pytest.raises(InspectionError) as refused:
        answer(task, inspector, "ZZ9")
    assert refused.value.params["item"] == "ZZ9"


def test_a_scale_item_passes_at_its_pass_score(company, unit, inspector):
    """INS-4: a 0…N item passes at or above its pass score, fails below it."""
    version = template_published(
        company,
        items=[
            {"code": "S1", "text": "整洁程度", "scoring": "scale", "max_score": 5, "pass_score": 3}
        ],
    )
    task = inspection_planned(version=version, unit=unit, inspector=inspector)
    started(task, inspector)
    assert answer(task, inspector, "S1", "", score=3).record.result == "pass"
    failed = answer(task, inspector, "S1", "", score=2, severity="minor").record
    assert failed.result == "fail"
    with pytest.raises(InspectionError):
        answer(task, inspector, "S1", "", score=6)


def test_a_photo_is_stored_once_with_its_hash_on_the_timeline(task, inspector):
    """INS-5: each photo's SHA-256 is on the timeline; a resend stores no second photo."""
    started(task, inspector)
    fail = answer(task, inspector, "B1", "fail", severity="general").record
    key = uuid.uuid4()
    taken = now() - timedelta(minutes=3)
    first = services.photo_add(
        inspection=task,
        actor=inspector,
        item_code=fail.item.code,
        client_key=key,
        uploaded_file=jpeg(),
        captured_at=taken,
        annotated=True,
    )
    again = services.photo_add(
        inspection=task,
        actor=inspector,
        item_code=fail.item.code,
        client_key=key,
        uploaded_file=jpeg(),
    )
    assert first.created and not again.created
    photo = Photo.objects.get()
    assert photo.captured_at == taken and photo.annotated
    event = Event.objects.get(action="attachment.added")
    assert event.data["sha256"] == photo.attachment.sha256


def test_a_photo_before_its_answer_is_refused_for_a_later_resend(task, inspector):
    """INS-5: a photo whose answer has not arrived is refused (409) and sent again later."""
    started(task, inspector)
    with pytest.raises(InspectionError) as refused:
        services.photo_add(
            inspection=task,
            actor=inspector,
            item_code="A1",
            client_key=uuid.uuid4(),
            uploaded_file=jpeg(),
        )
    assert refused.value.status == 409


def fail_with_photo_and_signature(task, inspector, code):
    fail = answer(task, inspector, code, "fail", severity="general").record
    services.photo_add(
        inspection=task,
        actor=inspector,
        item_code=fail.item.code,
        client_key=uuid.uuid4(),
        uploaded_file=jpeg(),
    )
    services.signature_add(
        inspection=task,
        actor=inspector,
        item_code=fail.item.code,
        client_key=uuid.uuid4(),
        signed_by_name="李主管",
        uploaded_file=png(),
    )
    return fail


def test_it_submits_only_a_complete_confirmed_inspection(task, inspector):
    """INS-5: every item answered, a photo on a failed item that requires one, each
    nonconformity confirmed by the responsible person — each refusal names the items."""
    started(task, inspector)
    answer(task, inspector, "A1")
    with pytest.raises(InspectionError) as refused:
        services.inspection_submit(inspection=task, actor=inspector)
    assert "A2" in refused.value.params["codes"]
    answer(task, inspector, "A2")
    answer(task, inspector, "B2")
    fail = answer(task, inspector, "B1", "fail", severity="general").record
    with pytest.raises(InspectionError) as refused:
        services.inspection_submit(inspection=task, actor=inspector)
    assert refused.value.params["codes"] == "B1"  # the photo
    services.photo_add(
        inspection=task,
        actor=inspector,
        item_code=fail.item.code,
        client_key=uuid.uuid4(),
        uploaded_file=jpeg(),
    )
    with pytest.raises(InspectionError) as refused:
        services.inspection_submit(inspection=task, actor=inspector)
    assert refused.value.message == services.UNCONFIRMED
    services.signature_add(
        inspection=task,
        actor=inspector,
        item_code=fail.item.code,
        client_key=uuid.uuid4(),
        signed_by_name="李主管",
        uploaded_file=png(),
    )
    assert Signature.objects.get().attachment.mime_type == "image/png"
    services.inspection_submit(inspection=task, actor=inspector)
    task.refresh_from_db()
    assert task.status == Inspection.Status.SUBMITTED
    assert task.percent is not None and task.passed is True  # 3 of 4 = 75 % ≥ 60 %
    event = Event.objects.get(action="inspection.submitted")
    assert event.data["failed_answer_ids"] == [fail.pk]
    assert Event.objects.filter(action="inspection.nonconformity_confirmed").count() == 1


def test_the_responsible_person_confirms_from_their_own_account(task, inspector, person_with):
    """INS-5: a person responsible for the unit confirms; the inspector may not confirm."""
    started(task, inspector)
    fail = answer(task, inspector, "A1", "fail", severity="minor").record
    with pytest.raises(InspectionError):
        services.answer_confirm(answer=fail, actor=inspector)
    manager = person_with("department_manager")
    services.answer_confirm(answer=fail, actor=manager)
    fail.refresh_from_db()
    assert fail.confirmed_by == manager and fail.confirmed_at


def test_submitting_meets_the_due_limit_and_twice_changes_nothing(task, inspector):
    """INS-5: the submission meets the task's "inspection.due" limit; a resent submission
    returns the submitted inspection and records no second event."""
    deadline = deadline_open(
        subject=task, kind="inspection.due", duration=timedelta(days=1), unit=task.unit
    )
    started(task, inspector)
    for code in ("A1", "A2", "B1", "B2"):
        answer(task, inspector, code)
    services.inspection_submit(inspection=task, actor=inspector)
    services.inspection_submit(inspection=task, actor=inspector)
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET
    assert Event.objects.filter(action="inspection.submitted").count() == 1


def test_answers_are_refused_once_submitted(task, inspector):
    """INS-5: a submitted inspection's answers can no longer change."""
    started(task, inspector)
    for code in ("A1", "A2", "B1", "B2"):
        answer(task, inspector, code)
    services.inspection_submit(inspection=task, actor=inspector)
    with pytest.raises(InspectionError):
        answer(task, inspector, "A1", "fail", severity="minor")


def test_an_ad_hoc_inspection_is_created_once_per_key(company, unit, inspector):
    """INS-2: an ad-hoc special inspection; its phone key makes a resend harmless."""
    version = template_published(company)
    key = uuid.uuid4()
    made = [
        services.inspection_create(
            company=company,
            unit=unit,
            template_version=version,
            inspector=inspector,
            actor=inspector,
            client_key=key,
        )
        for _ in range(2)
    ]
    assert made[0].pk == made[1].pk and made[0].is_special
