"""Issue 9 item 3: the lists stay fast at a million complaints and show exactly what they
showed before — the filter bar renders its options without a template per option and reads
the units once, a department head's queue is asked without the list of every letter the
head received, the export refuses after a bounded count, and the timeline and notification
pages page without counting their whole table."""

from unittest import mock

from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pinzhi.complaints import search, selectors
from pinzhi.complaints.filters import ComplaintFilter
from pinzhi.complaints.models import OPEN_STATUSES, Complaint
from pinzhi.complaints.tests.steps import route
from pinzhi.lib import paging
from pinzhi.lib.filtering import FilterSet
from pinzhi.lib.paging import CappedPaginator
from pinzhi.lib.widgets import QuickSelect
from pinzhi.notify.services import notify
from pinzhi.orgs.selectors import units_visible_to

CHOSEN = [
    {},
    {"status": "routed", "severity": "urgent", "sort": "status"},
    {"location": "", "department": "", "channel": "hotline", "q": "巡逻"},
    {"status": "no-such-status", "location": "999999"},
]


def _earlier_bar(user, data) -> str:
    """The filter bar as Django rendered it before: a template per option, and each unit
    select reading the units through its own queryset."""
    filters = search.complaints_filtered(user, data)
    with mock.patch.object(QuickSelect, "render", forms.Select.render):
        return str(FilterSet.form.fget(filters))  # django-filter's form, no shared options


def test_it_renders_the_same_filter_bar_for_every_role(clock, org, register):
    """Issue 9 item 3: every role sees the same filter bar, byte for byte, with the same
    options, the same chosen values and the same messages beside a wrong value."""
    register()
    chosen = CHOSEN + [{"location": str(org.estate.pk), "department": str(org.ab.pk)}]
    for person in (org.quality, org.head, org.registrar, org.handler, org.other_head):
        for data in chosen:
            html = str(search.complaints_filtered(person, data).form)
            assert html == _earlier_bar(person, data), (person.username, data)
    assert "\u2003翠湖花园" in str(search.complaints_filtered(org.quality, {}).form)


def test_it_renders_a_select_as_django_does():
    """Issue 9 item 3: QuickSelect writes the HTML of Django's Select templates (escaping,
    the first matching option selected, attributes true, false or valued)."""
    choices = [("", "- 任意 -"), (1, "A & <b>"), ("x", "y"), (None, "空"), ("1", "again")]
    attrs = {"class": "form-select", "data-x": True, "hidden": False}
    for value in (None, "", "1", 1, "x", ["x"], "missing"):
        expected = forms.Select(attrs=attrs, choices=choices).render("s", value, {"id": "id_s"})
        assert (
            QuickSelect(attrs=attrs, choices=choices).render("s", value, {"id": "id_s"}) == expected
        ), value
    grouped = [("组", [(1, "一"), (2, "二")]), (3, "三")]
    assert QuickSelect(choices=grouped).render("g", "2") == forms.Select(choices=grouped).render(
        "g", "2"
    )


def test_it_reads_the_units_of_the_filter_bar_once(clock, org, register):
    """Issue 9 item 3: the location and department selects share one read of the units."""
    filters = search.complaints_filtered(org.quality, {})
    with CaptureQueriesContext(connection) as captured:
        html = str(filters.form)
    unit_reads = [q["sql"] for q in captured.captured_queries if '"orgs_unit"' in q["sql"]]
    assert len(unit_reads) == 1, unit_reads
    assert html.count(f'<option value="{org.ab.pk}"') == 2


def test_it_still_refuses_a_unit_the_person_does_not_see(clock, org, register):
    """Issue 9 item 3: the shared options change nothing of the check of a chosen unit."""
    complaint = register()
    filters = ComplaintFilter(
        {"location": str(org.estate.pk)},
        Complaint.objects.all(),
        units=units_visible_to(org.head),
    )
    assert "location" in filters.form.errors
    filters = search.complaints_filtered(org.quality, {"location": str(org.estate.pk)})
    assert [c.pk for c in filters.qs] == [complaint.pk]


def test_it_asks_a_head_s_own_unit_queue_without_the_visibility_filter(clock, org, register):
    """Issue 9 item 3: a unit within the head's scope shows every open case located in or
    routed to it, the same cases as the visibility filter gave, asked without the letters."""
    first = register(location=org.estate)
    route(org, first)
    register(location=org.estate, customer_phone="13700000000")
    queue = selectors.queue_for_unit(org.head, org.ab)
    assert "contactletter" not in str(queue.query).lower()
    earlier = (
        selectors.complaints_visible_to(org.head)
        .filter(status__in=OPEN_STATUSES)
        .filter(department__path__startswith=org.ab.path)
    )
    assert set(queue.values_list("pk", flat=True)) == set(earlier.values_list("pk", flat=True))
    assert first.pk in set(queue.values_list("pk", flat=True))
    everything = selectors.queue_for_unit(org.quality, org.hq)
    assert set(everything.values_list("pk", flat=True)) == set(
        Complaint.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True)
    )


def test_it_refuses_an_export_after_counting_only_up_to_the_cap(
    clock, org, client, register, settings
):
    """Issue 9 item 3: the export's refusal counts at most the cap + 1 rows and says
    "more than" the cap."""
    for i in range(3):
        register(customer_phone=f"1360000000{i}")
    settings.PINZHI_EXPORT_MAX_ROWS = 2
    client.force_login(org.quality)
    with CaptureQueriesContext(connection) as captured:
        refused = client.get(reverse("complaints:export"))
    counts = [q["sql"] for q in captured.captured_queries if "complaints_complaint" in q["sql"]]
    assert len(counts) == 1 and "LIMIT 3" in counts[0], counts
    texts = [str(m) for m in client.get(refused.url).context["messages"]]
    assert any("超过 2 条" in text for text in texts), texts


def test_the_shared_pager_says_more_than_the_cap_beyond_it(rf):
    """Issue 9 item 3: a capped list shows its page and "more than N", never a total."""
    request = rf.get("/timeline/?page=2")
    page_obj = CappedPaginator(list(range(30)), 10, cap=12).get_page(2)
    from django.template.loader import render_to_string

    html = render_to_string(
        "core/partials/pagination.html", {"page_obj": page_obj}, request=request
    )
    assert "第 2 页（共超过 12 条）" in html and "共 " not in html.replace("共超过", "")
    assert 'href="?page=1"' in html and 'href="?page=3"' in html


def test_it_pages_the_inbox_and_the_events_without_counting_them_all(
    clock, org, client, register, monkeypatch
):
    """Issue 9 item 3: the notification inbox and the timeline's event list count at most
    COUNT_CAP rows and page on beyond them."""
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for i in range(30):
        notify(recipients=[org.quality], kind="complaint.assigned", title=f"通知{i}", url="/")
        register(customer_phone=f"1350000{i:04d}")
    client.force_login(org.quality)
    inbox = client.get(reverse("notify:inbox")).content.decode()
    assert "第 1 页（共超过 3 条）" in inbox
    events = client.get(reverse("timeline:events")).content.decode()
    assert "第 1 页（共超过 3 条）" in events
    last = client.get(reverse("timeline:events"), {"page": 2}).content.decode()
    assert "第 2 页" in last
