"""A complaint's time limits are labelled by its tracking code, never by its title: the
overdue list, the home tile and the breach notice reach people who may not see the customer
(ORG-3, issue 8 item 3)."""

from datetime import timedelta

from django.urls import reverse

from pinzhi.complaints.tests.steps import route
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification


def test_it_labels_a_complaints_limits_by_tracking_code_not_by_its_title(
    clock, org, register, client
):
    """ORG-3 (issue 8 item 3): a title like 「业主独孤求败（电话13933330001）反映…」 stays off the
    deadlines' stored label, the overdue list and the breach notice; the tracking code names
    the limit instead."""
    complaint = register(title="业主独孤求败（电话13933330001）反映夜间噪音")
    route(org, complaint)
    labels = set(deadlines_for(complaint).values_list("subject_repr", flat=True))
    assert labels == {complaint.tracking_code}

    clock.shift(timedelta(hours=3))
    sweep(now())
    notices = Notification.objects.filter(kind="deadline.breached")
    assert notices.exists()
    for notice in notices:
        text = f"{notice.title} {notice.body}"
        assert "独孤求败" not in text and "13933330001" not in text
    client.force_login(org.quality)
    html = client.get(reverse("deadlines:list")).content.decode()
    assert complaint.tracking_code in html
    assert "独孤求败" not in html and "13933330001" not in html
