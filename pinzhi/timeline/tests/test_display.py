"""How changed fields read in any record's history (issue 8 item 6): the timeline's own
mechanism, for every app — a related record's name for its id, the field's name for its
key, 是/否 for a flag, a local time for a stored UTC time, the declared label of a key that
is a field of no model."""

from types import SimpleNamespace

import pytest
from django.utils import translation

from pinzhi.orgs import services as org_services
from pinzhi.orgs.models import Unit
from pinzhi.timeline import display
from pinzhi.timeline.events import Changed, Changes
from pinzhi.timeline.models import Event
from pinzhi.timeline.privacy import changes_shown
from pinzhi.timeline.services import event_record

pytestmark = pytest.mark.django_db


# How a code of an app's `events.py` declares its keys (see timeline.events).
NOTED = Changes(
    keys={
        "checker": Changed("检查人", model="orgs.Person"),
        "level": Changed("等级", choices={"a": "甲级"}),
    }
)


def shown(event, may_see=True):
    with translation.override("zh-hans"):
        return {label: (old, new) for label, old, new in changes_shown(event, may_see=may_see)}


def test_it_names_related_records_fields_and_flags_of_any_model(company):
    """Issue 8 item 6: a record's history shows the related record's name (not its id), the
    fields' Chinese names (not their keys) and 是 (not True)."""
    unit = org_services.unit_create(company=company, code="AB", name="安保部", kind="department")
    post = org_services.post_create(unit=unit, code="DZ", name="队长")
    changes = shown(Event.objects.get(object_id=str(post.pk), action="post.created"))
    assert changes["单位"] == (None, "安保部")
    assert changes["名称"] == (None, "队长")
    changes = shown(Event.objects.get(object_id=str(unit.pk), action="unit.created"))
    assert changes[str(Unit._meta.get_field("is_active").verbose_name)] == (None, "是")
    assert not {"unit", "name", "is_active", "True"} & {*changes, *map(str, changes.values())}


def test_it_shows_stored_times_in_the_local_time_zone_whatever_the_key(company):
    """Issue 8 item 6: a time stored as UTC ISO reads in the company's time zone."""
    with translation.override("zh-hans"):
        assert display.local_time("2026-11-23T01:30:00+00:00") == "2026-11-23 09:30"
    event = event_record(
        subject=company,
        action="sample.undeclared",
        before={"checked": "2026-11-23T01:30:00.123456+00:00"},
        after={"checked": "2026-11-24T01:30:00+00:00"},
    )
    assert list(shown(event).values()) == [("2026-11-23 09:30", "2026-11-24 09:30")]


def test_it_reads_an_events_declared_keys(company, person_with, monkeypatch):
    """Issue 8 item 6: a key that is a field of no model reads as its event declares it:
    its label, its choices' labels, and the name of the record whose id it holds."""
    monkeypatch.setattr(
        display,
        "declared",
        lambda code: SimpleNamespace(changes=NOTED) if code == "sample.noted" else None,
    )
    checker = person_with("quality_department", full_name="王检查")
    event = event_record(
        subject=company,
        action="sample.noted",
        before={"level": None, "checker": None},
        after={"level": "a", "checker": checker.pk},
    )
    assert shown(event) == {"检查人": (None, "王检查"), "等级": (None, "甲级")}


def test_it_names_a_deleted_record_without_its_id(company):
    with translation.override("zh-hans"):
        assert display.record_name("orgs.Unit", 987654) == "（已删除）"


def test_it_says_what_an_event_is_about_by_label_never_by_code(company, monkeypatch):
    """Issue 8 item 6: an event that declares what it is about (a deadline's kind) shows
    that key's label beside its own; a value without a label shows nothing, not its code."""
    about = Changes(keys={"kind": Changed("时限", choices={"x.first": "首次联系"})}, about="kind")
    monkeypatch.setattr(
        display,
        "declared",
        lambda code: SimpleNamespace(changes=about) if code == "sample.about" else None,
    )
    known = event_record(subject=company, action="sample.about", data={"kind": "x.first"})
    unknown = event_record(subject=company, action="sample.about", data={"kind": "x.other"})
    assert display.event_about(known) == "首次联系"
    assert display.event_about(unknown) == ""
