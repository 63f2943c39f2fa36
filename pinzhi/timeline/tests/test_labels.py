"""X-2: action codes and field names are shown as readable, translated labels."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from pinzhi.timeline.actions import _labels, action_label, humanise
from pinzhi.timeline.selectors import event_search
from pinzhi.timeline.services import event_record

pytestmark = pytest.mark.django_db

PINZHI = Path(__file__).resolve().parents[2]
CODE = re.compile(r"""action=["']([a-z_]+\.[a-z_]+)["']|["']([a-z_]+\.[a-z_]+)["'] if """)


def emitted_codes() -> set[str]:
    """Every literal action code passed to the timeline outside tests (complaints is the
    lead's and falls back to the humanised form)."""
    codes = set()
    for path in PINZHI.rglob("*.py"):
        parts = path.relative_to(PINZHI).parts
        if "tests" in parts or parts[0] in {"complaints", "timeline"}:
            continue
        text = path.read_text(encoding="utf-8")
        if "event_record" not in text and "_record(" not in text:
            continue
        for match in CODE.finditer(text):
            codes.add(match.group(1) or match.group(2))
    return codes


def test_every_action_code_emitted_has_a_label():
    """X-2: no event of the code base is shown as a raw code."""
    codes = emitted_codes()
    assert {"unit.created", "role.assigned", "deadline.opened", "policy.rule_revised"} <= codes
    assert sorted(codes - set(_labels)) == []


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
            found = set(event_search(user=reader, text=text).values_list("pk", flat=True))
        assert event.pk in found and other.pk not in found


def test_the_event_log_shows_labels(signed_in, unit):
    """X-2: the log shows the label of the action in the Chinese interface."""
    event_record(subject=unit, action="role.assigned")
    response = signed_in("quality_department").get(reverse("timeline:events"))
    with translation.override("zh-hans"):
        assert action_label("role.assigned").encode() in response.content
