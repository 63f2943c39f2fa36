"""What a new user met on the complaint pages (issue 8 item 6): deadline kinds read as
limits, the title field has its complaint name and no dropdown speaks English."""

from datetime import timedelta

from django.urls import reverse

from pinzhi.complaints import workflow
from pinzhi.deadlines.display import kind_label
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification

KINDS = [
    workflow.FIRST_CONTACT,
    workflow.ON_SITE,
    workflow.RESOLUTION,
    workflow.ANSWER,
    workflow.CALLBACK,
    workflow.CLOSURE,
]


def test_it_names_every_complaint_deadline_kind_as_a_time_limit(db):
    """Issue 8 item 6: a kind is the limit (「投诉解决时限」), not the step that meets it
    (「投诉已解决」), so that 「… — 已超时 13 天」 reads right."""
    labels = [kind_label(kind) for kind in KINDS]
    assert kind_label(workflow.RESOLUTION) == "投诉解决时限"
    assert all(label.endswith("时限") for label in labels), labels
    assert "投诉已解决" not in labels


def test_it_shows_an_overdue_limit_as_a_limit_on_the_list_and_in_the_notice(
    clock, org, register, client
):
    """Issue 8 item 6: the overdue list and the breach notice name the limit that was missed."""
    complaint = register()
    clock.move_to(now() + timedelta(hours=2))
    sweep()
    client.force_login(org.quality)
    response = client.get(reverse("deadlines:list"))
    assert "首次联系时限" in response.text
    notice = Notification.objects.filter(title__contains=complaint.tracking_code).first()
    assert notice is not None and "首次联系时限" in notice.title


def test_it_labels_the_complaint_title_as_its_subject_not_as_an_object(org, client):
    """Issue 8 item 6: the title field reads 「投诉事由」, not the generic 「对象」, and its
    dropdowns offer 「请选择」, not Django's English "- Select an option -"."""
    client.force_login(org.registrar)
    response = client.get(reverse("complaints:create"))
    assert response.status_code == 200
    assert "投诉事由" in response.text and ">对象<" not in response.text
    assert "Select an option" not in response.text and "- 请选择 -" in response.text
