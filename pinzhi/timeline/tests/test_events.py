"""Issue 7 item 5: event codes are declared per app with a documented payload, which
`event_record` checks, and docs/events.md is generated from the declarations."""

from pathlib import Path

import pytest
from django.core.management import call_command

from pinzhi.complaints.events import ComplaintEvent
from pinzhi.orgs.events import OrgEvent
from pinzhi.timeline.events import EventCode, declared, load_all, reference_markdown
from pinzhi.timeline.models import Event
from pinzhi.timeline.services import event_record

pytestmark = pytest.mark.django_db

VERIFIED = {"category": "attitude", "attitude": True, "staff_id": 7, "department_id": 3}


def test_it_stores_a_member_as_the_same_string_as_before(unit):
    """Issue 7 item 5: a member is its stored code, so no data migration and every
    existing hash still verifies."""
    assert ComplaintEvent.VERIFIED == "complaint.verified"
    event = event_record(subject=unit, action=OrgEvent.UNIT_UPDATED)
    stored = Event.objects.get(pk=event.pk)
    assert type(stored.action) is str and stored.action == "unit.updated"
    assert Event.objects.filter(action=OrgEvent.UNIT_UPDATED).count() == 1


def test_it_finds_the_declaration_of_a_code_written_as_a_string():
    assert declared("complaint.verified") is ComplaintEvent.VERIFIED
    assert declared("nobody.declared_this") is None


def test_it_records_a_verified_event_with_its_documented_payload(unit):
    """Issue 7 item 5: the payload the points ledger reads is accepted when complete."""
    event = event_record(subject=unit, action=ComplaintEvent.VERIFIED, data=VERIFIED)
    assert event.data == VERIFIED


@pytest.mark.parametrize("missing", sorted(VERIFIED))
def test_it_refuses_a_verified_event_that_lacks_a_documented_key(unit, missing):
    """Issue 7 item 5: a `complaint.verified` payload without one of its keys raises."""
    data = {k: v for k, v in VERIFIED.items() if k != missing}
    with pytest.raises(ValueError, match=missing):
        event_record(subject=unit, action=ComplaintEvent.VERIFIED, data=data)
    assert not Event.objects.filter(action="complaint.verified").exists()


def test_it_refuses_an_undeclared_payload_key(unit):
    """Issue 7 item 5: a key the declaration does not document raises, also when the code
    is given as a string."""
    with pytest.raises(ValueError, match="points"):
        event_record(subject=unit, action="complaint.verified", data={**VERIFIED, "points": 3})
    with pytest.raises(ValueError, match="extra"):
        event_record(subject=unit, action=OrgEvent.UNIT_CREATED, data={"extra": 1})


def test_it_accepts_an_optional_key_or_its_absence(unit):
    base = {"letter": "LXH202611-0001", "department_id": 1, "head_id": 2}
    event_record(subject=unit, action=ComplaintEvent.ROUTED, data=base)
    event_record(subject=unit, action=ComplaintEvent.ROUTED, data={**base, "supersedes": "x"})


def test_every_payload_key_is_documented():
    """Issue 7 item 5: each declared key says what it means, and each code when it is
    recorded."""
    undocumented = [
        f"{member.value}.{key}"
        for cls in load_all()
        for member in cls
        for key, _type, _required, meaning in member.payload_fields()
        if not meaning
    ]
    assert undocumented == []
    assert [m.value for cls in load_all() for m in cls if not m.when] == []


def test_the_verified_payload_is_fully_documented_and_checked():
    """Issue 7 item 5: the points ledger can rely on every key of `complaint.verified`."""
    member = ComplaintEvent.VERIFIED
    assert member.checked
    required, optional = member.payload_keys()
    assert required == set(VERIFIED) and not optional


def test_codes_are_unique_across_apps():
    values = [member.value for cls in load_all() for member in cls]
    assert len(values) == len(set(values))
    assert all(issubclass(cls, EventCode) for cls in load_all())


def test_the_event_reference_is_up_to_date():
    """Issue 7 item 5: docs/events.md lists every code, its app, when it is recorded and
    its payload; run `pinzhi events-reference` after changing a declaration."""
    path = Path(__file__).resolve().parents[3] / "docs" / "events.md"
    assert path.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/events.md is out of date: run `pinzhi events-reference`"
    )
    text = reference_markdown()
    for cls in load_all():
        for member in cls:
            assert f"`{member.value}`" in text


def test_the_reference_command_checks_the_file():
    call_command("events-reference", "--check")
