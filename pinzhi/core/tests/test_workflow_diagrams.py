"""The workflows drawn for the quality department (issue 7 item 1)."""

import re

from django.urls import reverse

from pinzhi.complaints.models import Status
from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW
from pinzhi.lib.workflow import workflows

CJK = re.compile(r"[\u4e00-\u9fff]")


def svg_of(html: str) -> str:
    start = html.index("<svg")
    return html[start : html.index("</svg>", start)]


def test_the_complaint_diagram_names_every_state_and_every_step_in_chinese(signed_in):
    """Issue 7 item 1: the diagram is generated from the declaration and names each state
    and each step of the complaint workflow in Chinese."""
    client = signed_in("quality_department")
    response = client.get(reverse("core:workflow", args=["complaint"]))
    assert response.status_code == 200
    svg = svg_of(response.content.decode())
    assert 'data-testid="workflow-diagram"' in svg
    for label in [str(label) for _value, label in Status.choices]:
        assert CJK.search(label), label
        assert f">{label}</text>" in svg, label
    for step in COMPLAINT_WORKFLOW.steps:
        label = str(step.label)
        assert CJK.search(label), label
        assert label in svg, label
    assert "<script" not in response.content.decode().split("<svg", 1)[1].split("</svg>")[0]


def test_the_workflows_are_listed_for_the_quality_department(signed_in):
    """Issue 7 item 1: one page per declared workflow, listed on a page of the policy area
    (its navigation) for the quality department and the quality committee."""
    client = signed_in("quality_committee")
    listing = client.get(reverse("core:workflows")).content.decode()
    names = {workflow.name for workflow in workflows()}
    assert {"complaint", "amendment", "deadline"} <= names
    for name in names:
        url = reverse("core:workflow", args=[name])
        assert url in listing
        assert client.get(url).status_code == 200
    assert reverse("core:workflows") in client.get(reverse("policy:list")).content.decode()


def test_other_roles_do_not_see_the_diagrams(signed_in):
    client = signed_in("service_staff")
    assert client.get(reverse("core:workflows")).status_code == 403
    assert client.get(reverse("core:workflow", args=["complaint"])).status_code == 403


def test_an_unknown_workflow_is_not_found(signed_in):
    client = signed_in("quality_department")
    assert client.get(reverse("core:workflow", args=["nothing"])).status_code == 404


def test_it_names_the_steps_events_not_their_codes_and_keeps_from_to_for_states(signed_in):
    """Issue 7 item 1 (walk): the steps table names each step's timeline event in Chinese
    (the code only as a tooltip), and its "From"/"To" columns, being states, leave the other
    pages' "From"/"To" (the event log's dates, the contact letter's sender) alone."""
    from pinzhi.complaints.views_repeats import PeriodForm

    client = signed_in("quality_department")
    html = client.get(reverse("core:workflow", args=["complaint"])).content.decode()
    table = html[html.index('data-testid="workflow-steps"') :]
    assert ">工作联系函已签收<" in table
    assert ">complaint.routed<" not in table and 'title="complaint.routed"' in table
    assert "起始状态" in table and "目标状态" in table
    assert str(PeriodForm().fields["since"].label) == "起始日期"
