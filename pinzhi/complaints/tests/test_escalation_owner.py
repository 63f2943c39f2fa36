"""Escalation follows the work (issue 8 item 1; CMP-4, CMP-7, X-3): a breached limit's first
notice goes to whoever owns the limit at that moment, the callback limit to someone who can do
the callback, and a limit due at night says so."""

from datetime import timedelta

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from pinzhi.complaints import services
from pinzhi.complaints.models import Channel
from pinzhi.complaints.tests.steps import route, route_and_assign
from pinzhi.deadlines.escalation import escalation_recipients
from pinzhi.deadlines.selectors import deadlines_for
from pinzhi.deadlines.sweep import sweep
from pinzhi.lib.clock import now
from pinzhi.notify.models import Notification
from pinzhi.orgs.tests.factories import person_in_role
from pinzhi.policy.models import Rule
from pinzhi.policy.services import rule_revise
from pinzhi.timeline.models import Event


def deadline(complaint, kind):
    return deadlines_for(complaint).get(kind=kind)


def told(person, kind="deadline.breached"):
    return Notification.objects.filter(recipient=person, kind=kind)


def events(complaint, action):
    ct = ContentType.objects.get_for_model(complaint)
    return Event.objects.filter(content_type=ct, object_id=str(complaint.pk), action=action)


def resolved(org, complaint, *, actor=None):
    route_and_assign(org, complaint)
    services.complaint_resolve(
        complaint=complaint, actor=actor or org.handler, resolution="已加派夜班巡逻"
    )
    return deadline(complaint, services.CALLBACK)


def test_it_tells_the_department_head_at_the_breach_of_the_contact_limit_after_the_letter(
    clock, org, register
):
    """CMP-4, CMP-7, X-3 (issue 8 item 1): after the contact letter the 30-minute contact limit
    is the department head's (004 第4篇 五.3): the head is told at the breach, not 30 minutes
    later, and the move of the limit is on the case's timeline."""
    complaint = register()
    route(org, complaint)
    first = deadline(complaint, services.FIRST_CONTACT)
    assert first.owner == org.head
    moved = events(complaint, "deadline.reassigned").filter(data__kind=services.FIRST_CONTACT)
    assert moved.get().after["owner"] == org.head.pk

    clock.shift(timedelta(minutes=31))
    sweep(now())
    assert told(org.head).count() == 1
    assert not told(org.registrar).exists()


def test_it_keeps_the_contact_limit_with_the_head_when_the_head_names_a_handler(
    clock, org, register
):
    """CMP-4 (issue 8 item 1): the head contacts the customer and names the handler who
    carries the solution through (004 第4篇 五.3): the contact limit stays the head's, the
    resolution limit goes to the handler."""
    complaint = register()
    route_and_assign(org, complaint)
    assert deadline(complaint, services.FIRST_CONTACT).owner == org.head
    assert deadline(complaint, services.RESOLUTION).owner == org.handler
    clock.shift(timedelta(minutes=31))
    sweep(now())
    assert told(org.head).exists()
    assert not told(org.handler).exists()


def test_it_continues_the_ladder_as_the_pack_says_after_the_owner_is_told(clock, org, register):
    """CMP-7, X-3 (issue 8 item 1): before the letter the registrar owns the contact limit
    and is told at the breach; the ladder then climbs after the overruns of the pack (the group
    leader after 4 hours, the chairman after 24)."""
    register()
    clock.shift(timedelta(minutes=31))
    sweep(now())
    assert told(org.registrar).count() == 1
    assert not told(org.head).exists()
    clock.shift(timedelta(hours=4))
    sweep(now())
    assert told(org.committee, "deadline.escalated").count() == 1
    assert not told(org.chairman).exists()


def test_it_gives_the_callback_limit_to_the_registering_specialist_never_the_resolver(
    clock, org, register
):
    """CMP-5, X-3 (issue 8 item 1): the pack gives callbacks to the registering specialist
    (complaints.callback_by_service_desk = no); the staff member who resolved the case is
    never the callback limit's owner nor told of its breach."""
    complaint = register()
    callback = resolved(org, complaint)
    assert callback.owner == org.registrar
    clock.shift(timedelta(days=1))
    sweep(now())
    assert told(org.registrar).filter(data__kind=services.CALLBACK).exists()
    assert not told(org.handler).filter(data__kind=services.CALLBACK).exists()


def test_it_gives_the_callback_to_the_service_desk_in_scope_when_nobody_registered_it(
    clock, org, register, client
):
    """CMP-5, X-3 (issue 8 item 1): a case from the web form has no registering specialist;
    the service desk in its scope owns the callback limit (the case page names it) and is
    told at the breach, the resolver is not."""
    desk = person_in_role("desk", "service_desk", org.kf, [org.hq])
    complaint = register(registered_by=None, channel=Channel.WEB_FORM)
    services.complaint_route(
        complaint=complaint, actor=org.quality, department=org.ab, head=org.head, request="请处理"
    )
    letter = complaint.letters.get()
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint, actor=org.head, handler=org.handler, solution="x"
    )
    services.complaint_resolve(complaint=complaint, actor=org.handler, resolution="已处理")
    callback = deadline(complaint, services.CALLBACK)
    assert callback.owner is None and callback.owner_role == "service_desk"
    assert escalation_recipients(callback, "owner") == [desk]
    client.force_login(desk)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "· 服务台" in page
    clock.shift(timedelta(days=1))
    sweep(now())
    assert told(desk).filter(data__kind=services.CALLBACK).exists()
    assert not told(org.handler).filter(data__kind=services.CALLBACK).exists()


def test_it_gives_the_callback_to_the_quality_department_when_no_desk_covers_the_case(
    clock, org, register
):
    """CMP-5 (issue 8 item 1): the registrar resolved the case herself, so she cannot confirm
    it; without a service desk in scope the quality department owns the callback limit."""
    complaint = register()
    callback = resolved(org, complaint, actor=org.registrar)
    assert callback.owner is None and callback.owner_role == "quality_department"
    clock.shift(timedelta(days=1))
    sweep(now())
    assert told(org.quality).filter(data__kind=services.CALLBACK).exists()
    assert not told(org.registrar).filter(data__kind=services.CALLBACK).exists()


def test_it_gives_the_callback_to_the_service_desk_when_the_pack_says_so(clock, org, register):
    """CMP-5 (issue 8 item 1): a company whose service desk calls back (003 3.5(2)) sets
    complaints.callback_by_service_desk; the desk in scope owns every callback limit."""
    desk = person_in_role("desk", "service_desk", org.kf, [org.hq])
    rule_revise(
        rule=Rule.objects.get(pack__code="property", key=services.CALLBACK_BY_SERVICE_DESK),
        company=org.company,
        value=True,
        effective_from=now(),
        author=org.quality,
        reason="由服务台统一回访",
    )
    clock.shift(timedelta(minutes=1))
    complaint = register()
    callback = resolved(org, complaint)
    assert callback.owner is None and callback.owner_role == "service_desk"
    assert escalation_recipients(callback, "owner") == [desk]


NIGHT = "2026-11-23 23:10 +0800"


def test_it_says_a_limit_falls_due_at_night_in_its_notice_and_on_the_case_page(
    org, register, client
):
    """X-3, CMP-4 (issue 8 item 1): a limit that falls due in the company's night hours
    (organisation.night_begins / night_ends of the pack) says so, in local time, on the case
    page, in the contact letter's notice to the head and in its breach notice."""
    with time_machine.travel(NIGHT, tick=False) as clock:
        complaint = register()
        client.force_login(org.registrar)
        page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
        assert "将于夜间 23:40 到期" in page
        route(org, complaint)
        letter_notice = told(org.head, "complaint.routed").get()
        assert "将于夜间 23:40 到期" in letter_notice.body
        clock.shift(timedelta(minutes=31))
        sweep(now())
        notice = told(org.head).get(data__kind=services.FIRST_CONTACT)
        assert "夜间" in notice.body and "23:40" in notice.body


def test_it_does_not_call_a_daytime_limit_a_night_one(clock, org, register, client):
    """X-3 (issue 8 item 1): a limit due at 09:30 is not at night."""
    complaint = register()
    client.force_login(org.registrar)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="night-due"' not in page
    clock.shift(timedelta(minutes=31))
    sweep(now())
    assert "夜间" not in told(org.registrar).get(data__kind=services.FIRST_CONTACT).body
