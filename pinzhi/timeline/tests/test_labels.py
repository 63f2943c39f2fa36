"""X-2: action codes and field names are shown as readable, translated labels."""

import io
import tokenize
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from pinzhi.timeline.actions import _labels, action_label, humanise
from pinzhi.timeline.events import load_all
from pinzhi.timeline.selectors import events_filtered
from pinzhi.timeline.services import event_record

pytestmark = pytest.mark.django_db

PINZHI = Path(__file__).resolve().parents[2]


def literal_codes() -> list[str]:
    """Every declared event code written as a string literal outside the declarations,
    the tests and the migrations (notification kinds, `kind=…`, are another namespace)."""
    codes = {member.value for cls in load_all() for member in cls}
    found = []
    for path in PINZHI.rglob("*.py"):
        parts = path.relative_to(PINZHI).parts
        if "tests" in parts or "migrations" in parts or path.name == "events.py":
            continue
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline))
        for index, token in enumerate(tokens):
            if token.type != tokenize.STRING or token.string.strip("\"'") not in codes:
                continue
            if [t.string for t in tokens[index - 2 : index]] == ["kind", "="]:
                continue
            found.append(f"{path.relative_to(PINZHI)}:{token.start[0]} {token.string}")
    return found


def test_every_declared_event_code_has_a_label():
    """X-2, issue 7 item 5: no event of the code base is shown as a raw code."""
    codes = {member.value for cls in load_all() for member in cls}
    assert {"unit.created", "role.assigned", "deadline.opened", "complaint.verified"} <= codes
    assert sorted(codes - set(_labels)) == []


def test_it_writes_no_event_code_as_a_literal():
    """Issue 7 item 5: event codes are named by their app's enumeration, never repeated as
    string literals."""
    assert literal_codes() == []


@pytest.mark.parametrize(
    "code, chinese", [("role.assigned", "角色"), ("unit.created", "单位"), ("deadline.met", "时限")]
)
def test_labels_are_translated(code, chinese):
    """X-2: the Chinese interface shows Chinese labels, not `role.assigned`."""
    with translation.override("zh-hans"):
        assert chinese in action_label(code)
    with translation.override("en"):
        assert action_label(code) != code


def test_an_unregistered_code_is_humanised():
    """X-2: a code nobody registered is still readable."""
    assert action_label("complaint.first_contact") == "Complaint: first contact"
    assert humanise("odd") == "Odd"


def test_the_event_log_finds_events_by_their_label(person_with, unit):
    """X-2: searching for the label (in the reader's language) finds the events."""
    event = event_record(subject=unit, action="role.assigned")
    other = event_record(subject=unit, action="unit.touched")
    reader = person_with("quality_department")
    for language, text in (("en", "role assigned"), ("zh-hans", "分配")):
        with translation.override(language):
            found = set(events_filtered(reader, {"q": text}).qs.values_list("pk", flat=True))
        assert event.pk in found and other.pk not in found


def test_the_event_log_shows_labels(signed_in, unit):
    """X-2: the log shows the label of the action in the Chinese interface."""
    event_record(subject=unit, action="role.assigned")
    response = signed_in("quality_department").get(reverse("timeline:events"))
    with translation.override("zh-hans"):
        assert action_label("role.assigned").encode() in response.content
