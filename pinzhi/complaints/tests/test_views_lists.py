"""The queues and the archive list: scoping (ORG-2), masking (ORG-3), filters, queries,
and the home tiles (CMP-3 … CMP-7)."""

from datetime import timedelta

from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.models import Status
from pinzhi.complaints.tests.steps import route
from pinzhi.core.shell import tiles_for
from pinzhi.orgs.services import role_assign
from pinzhi.orgs.tests.factories import PersonFactory, UnitFactory


def rows(response):
    return list(response.context["page_obj"].object_list)


def test_it_shows_a_department_manager_only_their_departments_cases(clock, org, client, register):
    """ORG-2: a department manager sees the cases routed to their department only."""
    ours = register()
    route(org, ours)
    register(customer_phone="13700000000", customer_name="赵先生", content="电梯坏了")
    client.force_login(org.head)
    assert [c.pk for c in rows(client.get(reverse("complaints:list")))] == [ours.pk]
    response = client.get(reverse("complaints:department_queue"))
    assert [c.pk for c in rows(response)] == [ours.pk]
    assert response.context["unit"] == org.ab


def test_it_refuses_staff_pages_to_a_customer(signed_in):
    """ORG-2: customers follow their case on the portal, not on the staff pages."""
    client = signed_in("customer")
    for name in ("complaints:list", "complaints:my_queue", "complaints:export"):
        assert client.get(reverse(name)).status_code == 403


def test_it_masks_the_customer_per_row(clock, org, client, register):
    """ORG-3: the list shows the customer's data only on the rows the viewer handles."""
    complaint = register()
    reader = PersonFactory(unit=org.hq, company=org.company)
    role_assign(person=reader, role="quality_committee", scope=[])
    client.force_login(reader)
    html = client.get(reverse("complaints:list")).content.decode()
    assert "13912345678" not in html and "139********" in html and "李**" in html
    client.force_login(org.registrar)
    html = client.get(reverse("complaints:list")).content.decode()
    assert "13912345678" in html and "李业主" in html
    route(org, complaint)
    client.force_login(org.head)
    assert "13912345678" in client.get(reverse("complaints:list")).content.decode()


def test_it_lists_my_queue(clock, org, client, register):
    """CMP-3: my queue holds the cases I own and the letters waiting for my signature."""
    complaint = register()
    client.force_login(org.registrar)
    assert [c.pk for c in rows(client.get(reverse("complaints:my_queue")))] == [complaint.pk]
    route(org, complaint)
    client.force_login(org.head)
    assert [c.pk for c in rows(client.get(reverse("complaints:my_queue")))] == [complaint.pk]
    client.force_login(org.other_head)
    response = client.get(reverse("complaints:my_queue"))
    assert rows(response) == [] and 'data-testid="empty"' in response.content.decode()


def test_it_filters_the_list(clock, org, client, register):
    """CMP-6: filters by status, channel, severity, repeat and overdue."""
    first = register()
    urgent = register(
        severity="urgent",
        channel="walk_in",
        customer_phone="13600000000",
        customer_address="翠湖花园8栋",
        title="水管爆裂",
        content="厨房水管爆裂漏水",
    )
    clock.shift(timedelta(days=1))
    repeat = register(content="保安依旧不巡逻")
    client.force_login(org.quality)
    url = reverse("complaints:list")
    assert [c.pk for c in rows(client.get(url, {"severity": "urgent"}))] == [urgent.pk]
    assert [c.pk for c in rows(client.get(url, {"channel": "walk_in"}))] == [urgent.pk]
    assert [c.pk for c in rows(client.get(url, {"repeat": "on"}))] == [repeat.pk]
    overdue = {c.pk for c in rows(client.get(url, {"overdue": "on"}))}
    assert first.pk in overdue and urgent.pk in overdue and repeat.pk not in overdue
    assert rows(client.get(url, {"status": Status.CLOSED})) == []
    assert len(rows(client.get(url, {"received_from": "2026-11-24"}))) == 1
    assert len(rows(client.get(url, {"location": org.estate.pk, "sort": "severity"}))) == 3
    assert rows(client.get(url, {"sort": "severity"}))[0].pk == urgent.pk
    response = client.get(url, {"status": Status.CLOSED})
    assert "No complaint matches these filters." in response.content.decode() or (
        "没有" in response.content.decode()
    )


def test_it_returns_only_the_table_to_htmx(clock, org, client, register):
    register()
    client.force_login(org.quality)
    html = client.get(reverse("complaints:list"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="complaint-table"' in html and "<html" not in html


def test_it_lists_with_a_fixed_number_of_queries(
    clock, org, client, register, django_assert_max_num_queries
):
    """ORG-3: masking per row reads the letters in one prefetch, not one query per row."""
    client.force_login(org.quality)
    for i in range(2):
        route(org, register(customer_phone=f"1390000000{i}"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("complaints:list"))
    for i in range(2, 12):
        route(org, register(customer_phone=f"139000000{i:02d}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("complaints:list"))
    assert len(rows(response)) == 12


def test_it_offers_a_unit_picker_in_the_department_queue(clock, org, client, register):
    """ORG-2: the department queue lists the cases of a unit the person sees."""
    complaint = register()
    client.force_login(org.quality)
    response = client.get(reverse("complaints:department_queue"), {"unit": org.estate.pk})
    assert [c.pk for c in rows(response)] == [complaint.pk]
    response = client.get(reverse("complaints:department_queue"), {"unit": org.ab.pk})
    assert rows(response) == []
    other = UnitFactory(code="ZZ", name="外司")
    response = client.get(reverse("complaints:department_queue"), {"unit": other.pk})
    assert response.context["unit"] != other


def test_it_shows_tiles_per_role(clock, org, register):
    """CMP-3 … CMP-7: open cases, letters to sign, callbacks due, and the company view."""
    complaint = register()
    keys = {tile.key for tile, _ in tiles_for(org.registrar)}
    assert "complaints.my_open" in keys and "complaints.callbacks" not in keys
    route(org, complaint)
    head_tiles = {tile.key: ctx for tile, ctx in tiles_for(org.head)}
    assert head_tiles["complaints.letters"]["count"] == 1
    overview = {tile.key: ctx for tile, ctx in tiles_for(org.quality)}["complaints.overview"]
    assert overview["open_count"] == 1 and overview["this_month"] == 1
    assert "complaints.my_open" not in {tile.key for tile, _ in tiles_for(org.other_head)}


def test_it_shows_callbacks_due_to_the_registrar(clock, org, register):
    """CMP-5: a resolved case waits for the registrar's callback."""
    complaint = register()
    letter = route(org, complaint)
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="x"
    )
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="done")
    tiles = {tile.key: ctx for tile, ctx in tiles_for(org.registrar)}
    assert [c.pk for c in tiles["complaints.callbacks"]["complaints"]] == [complaint.pk]


def test_it_renders_the_home_page_with_the_tiles(clock, org, client, register):
    register()
    client.force_login(org.quality)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="tile-complaints-overview"' in html
