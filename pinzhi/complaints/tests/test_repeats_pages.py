"""CMP-8: the repeat-analysis page — topics with counts, trend, members (masked per ORG-3),
keywords, root cause and corrective action, regrouping, repeats by customer/address."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from pinzhi.complaints.models import RepeatGroup
from pinzhi.complaints.tests.test_grouping import DOG, LIFT, LIFT2, LIFT3, other_customer
from pinzhi.timeline.models import Event


@pytest.fixture
def topics(clock, org, register):
    made = [register(**d, **other_customer(i)) for i, d in enumerate((LIFT, LIFT2, LIFT3))]
    register(**DOG, **other_customer(9))
    register()  # 李业主 at 翠湖花园3栋1单元502
    clock.shift(timedelta(days=1))
    again = register(title="还是没人巡逻")  # same customer as the fixture's default
    register(title="夜里没有保安", customer_phone="13000000000")
    return made, again


def test_it_shows_the_topics_with_counts_trend_and_masked_members(client, org, topics):
    """CMP-8 + ORG-3: the committee sees the topic and its members with masked names."""
    client.force_login(org.committee)
    response = client.get(reverse("repeats:index"))
    assert response.status_code == 200
    rows = response.context["rows"]
    lift = next(r for r in rows if "电梯" in r["group"].keywords)
    assert lift["group"].members == 3
    assert sum(lift["trend"]) == 3
    assert {m["customer"] for m in lift["members"]} == {"李**"}
    assert {m["complaint"] for m in lift["members"]} == set(topics[0])
    html = response.content.decode()
    assert 'id="repeat-trend-data"' in html and "echarts.min.js" in html
    assert "李业主" not in html


def test_the_quality_department_sees_names_unmasked(client, org, topics):
    client.force_login(org.quality)
    response = client.get(reverse("repeats:index"))
    assert "李业主" in response.content.decode()


def test_it_lists_the_repeats_by_customer_or_address(client, org, topics):
    made, again = topics
    client.force_login(org.quality)
    response = client.get(reverse("repeats:index"))
    flagged = [item["complaint"] for item in response.context["flagged"]]
    assert again in flagged


def test_it_shows_empty_states_for_a_quiet_period(client, org, topics):
    client.force_login(org.committee)
    response = client.get(reverse("repeats:index"), {"since": "2020-01-01", "until": "2020-02-01"})
    html = response.content.decode()
    assert 'data-testid="no-groups"' in html and 'data-testid="no-flagged"' in html


def test_a_reversed_period_is_refused_with_a_message(client, org, topics):
    client.force_login(org.committee)
    response = client.get(reverse("repeats:index"), {"since": "2026-12-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_root_cause_and_corrective_action_are_recorded_with_who_and_when(client, org, topics):
    """CMP-8: the analysis per group, attributed on the timeline."""
    group = next(g for g in RepeatGroup.objects.all() if "电梯" in g.keywords)
    client.force_login(org.committee)
    url = reverse("repeats:analyse", args=[group.pk])
    response = client.post(
        url, {f"g{group.pk}-root_cause": "维保响应慢", f"g{group.pk}-corrective_action": "换维保"}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.root_cause == "维保响应慢" and group.analysed_by == org.committee
    assert group.analysed_at is not None
    event = Event.objects.get(action="repeat_group.analysed")
    assert event.actor_id == org.committee.pk


def test_a_department_manager_may_analyse_only_groups_in_scope(client, org, topics):
    group = RepeatGroup.objects.first()
    client.force_login(org.other_head)  # 客服部: no complaint of the estate in scope
    response = client.post(
        reverse("repeats:analyse", args=[group.pk]), {f"g{group.pk}-root_cause": "x"}
    )
    assert response.status_code == 403


def test_regroup_now_is_for_the_quality_department(client, org, topics, settings):
    """CMP-8: "regroup now" rebuilds the period's topics; other roles are refused."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(org.committee)
    assert client.post(reverse("repeats:regroup")).status_code == 403
    RepeatGroup.objects.all().delete()
    client.force_login(org.quality)
    response = client.post(reverse("repeats:regroup"))
    assert response.status_code == 302
    assert RepeatGroup.objects.count() >= 1
    assert Event.objects.filter(action="complaint.groups_rebuilt").exists()


# The worker closes its connection between tasks: outside a test transaction (PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_regroup_now_always_runs_as_a_task_with_its_progress_shown(client, org, topics):
    """Issue 9 item 3: even a short period is regrouped by the worker, never in the web
    request (which would load the sentence model); the page shows the task queued, then
    its result once the worker ran it."""
    from django_tasks_db.models import DBTaskResult

    from pinzhi.complaints import grouping

    RepeatGroup.objects.all().delete()
    client.force_login(org.quality)
    response = client.post(reverse("repeats:regroup"))
    assert response.status_code == 302
    assert not RepeatGroup.objects.exists()  # nothing done in the request
    page = client.get(response["Location"])
    progress = page.content.decode()
    assert 'data-testid="regroup-progress"' in progress and 'data-status="READY"' in progress
    assert DBTaskResult.objects.filter(task_path=grouping.groups_rebuild_task.module_path).exists()
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO())
    assert RepeatGroup.objects.exists()
    done = client.get(response["Location"]).content.decode()
    assert 'data-status="SUCCESSFUL"' in done and "重新分为" in done


def test_the_pages_refuse_roles_outside_the_rule(client, org, topics):
    client.force_login(org.handler)
    assert client.get(reverse("repeats:index")).status_code == 403


def test_the_topic_search_filters_by_label(client, org, topics):
    client.force_login(org.committee)
    response = client.get(reverse("repeats:index"), {"q": "电梯"})
    assert [r["group"].label for r in response.context["rows"]]
    assert all("电梯" in r["group"].label for r in response.context["rows"])


def test_the_navigation_offers_repeat_analysis_and_import_to_the_right_roles(org):
    from pinzhi.core.shell import nav_for

    def names(person):
        return {entry.url_name for _section, entries in nav_for(person) for entry in entries}

    assert {"repeats:index", "complaint_import:upload"} <= names(org.quality)
    assert "repeats:index" in names(org.committee)
    assert "complaint_import:upload" not in names(org.committee)
    assert "repeats:index" not in names(org.handler)


def test_a_customers_repeat_about_another_topic_is_shown_as_such(clock, client, org, register):
    """CMP-8 (issue 8 item 4): a repeat by the same customer about a different topic is
    listed as a same-customer repeat of another topic, never put in the first complaint's
    topic group; one about the same topic again says so."""
    first = register(**LIFT)
    clock.shift(timedelta(days=1))
    other = register(**DOG)  # same customer (the fixture's phone and address)
    clock.shift(timedelta(days=1))
    again = register(**LIFT2)
    assert other.repeat_reasons == ["customer", "address"]
    assert other.repeat_group is None or other.repeat_group != first.repeat_group
    first.refresh_from_db()
    assert again.repeat_group is not None and again.repeat_group == first.repeat_group
    client.force_login(org.quality)
    response = client.get(reverse("repeats:index"))
    relation = {item["complaint"]: item["relation"] for item in response.context["flagged"]}
    assert relation[other] == "另一问题"
    assert relation[again] == "与上次同一问题"
    assert 'data-testid="topic-relation"' in response.content.decode()


def _copies(complaint, count: int, *, group, start: int) -> None:
    """`count` copies of `complaint` in `group` (cheap members for the bounds below)."""
    from pinzhi.complaints.models import Complaint

    Complaint.objects.bulk_create(
        [
            Complaint(
                **{
                    f.attname: getattr(complaint, f.attname)
                    for f in Complaint._meta.concrete_fields
                    if f.attname not in ("id", "tracking_code", "repeat_group_id")
                },
                tracking_code=f"T{start + i:09d}",
                repeat_group=group,
            )
            for i in range(count)
        ]
    )


def _page_queries(client, user, **params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    client.get(reverse("repeats:index"), params)  # sessions, caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("repeats:index"), params).status_code == 200
    return len(queries)


def test_the_page_makes_as_many_queries_for_many_topics_as_for_few(client, org, topics, clock):
    """Issue 9 item 3: the repeat analysis counts the topics in one aggregate and reads the
    page's topics, trends and members in a query each — no query per topic or member."""
    from pinzhi.lib.clock import now

    made, _again = topics
    few = {user.username: _page_queries(client, user) for user in (org.quality, org.committee)}
    for n in range(40):
        group = RepeatGroup.objects.create(company=org.company, label=f"话题{n}", created_at=now())
        _copies(made[0], 12, group=group, start=n * 100)
    many = {user.username: _page_queries(client, user) for user in (org.quality, org.committee)}
    assert many == few


def test_a_topic_shows_its_latest_members_and_counts_them_all(client, org, topics):
    """Issue 9 item 3: per topic the MEMBERS_SHOWN latest members the viewer sees, the rest
    counted; the count and the trend take every member of the period."""
    from pinzhi.complaints.views_repeats import MEMBERS_SHOWN

    made, _again = topics
    made[0].refresh_from_db()
    group = made[0].repeat_group
    _copies(made[0], MEMBERS_SHOWN, group=group, start=0)
    client.force_login(org.quality)
    rows = client.get(reverse("repeats:index")).context["rows"]
    row = next(r for r in rows if r["group"] == group)
    total = group.complaints.count()
    assert row["group"].members == total == MEMBERS_SHOWN + 3
    assert len(row["members"]) == MEMBERS_SHOWN and row["more"] == 3
    assert sum(row["trend"]) == total
    shown = [m["complaint"].received_at for m in row["members"]]
    assert shown == sorted(shown, reverse=True)
    assert rows == sorted(rows, key=lambda r: -r["group"].members)


def test_the_topic_relation_of_a_page_is_that_of_each_complaint(clock, org, register):
    """Issue 9 item 3: the relation (same topic as before or another) computed for a whole
    page in one query says the same as `topic_relation` for each complaint."""
    from pinzhi.complaints.models import Complaint
    from pinzhi.complaints.repeats import (
        OTHER_TOPIC,
        SAME_TOPIC,
        topic_relation,
        with_topic_relation,
    )

    register(**LIFT)
    clock.shift(timedelta(days=1))
    register(**DOG)
    clock.shift(timedelta(days=1))
    register(**LIFT2)
    register(**LIFT3, customer_phone="13000000001", customer_address=" 翠湖花园3栋1单元502 ")
    register(**LIFT3, **other_customer(5))
    relations = {
        c.pk: str(SAME_TOPIC if c.same_topic else OTHER_TOPIC)
        for c in with_topic_relation(Complaint.objects.all())
    }
    assert relations == {c.pk: topic_relation(c) for c in Complaint.objects.all()}
    assert set(relations.values()) == {str(SAME_TOPIC), str(OTHER_TOPIC)}
