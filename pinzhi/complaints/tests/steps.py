"""A complaint's first steps as the tests take them, through the services."""

from pinzhi.complaints import services


def route(
    org, complaint, *, department=None, head=None, request="请调查并与业主联系", severity=None
):
    """Route `complaint` with a contact letter (CMP-3), to 安保部 and its head unless told
    otherwise. Returns the letter."""
    return services.complaint_route(
        complaint=complaint,
        actor=org.registrar,
        department=department or org.ab,
        head=head or org.head,
        request=request,
        severity=severity,
    )


def route_and_assign(
    org,
    complaint,
    *,
    request="请调查夜间巡逻情况并与业主联系",
    investigation="",
    solution="加派夜班巡逻并调取监控",
):
    """Route `complaint` to 安保部 with a contact letter, have its head sign for it and name
    the handler (CMP-3). Returns the letter."""
    letter = route(org, complaint, request=request)
    services.letter_acknowledge(letter=letter, actor=org.head)
    services.complaint_assign(
        complaint=complaint,
        actor=org.head,
        handler=org.handler,
        investigation=investigation,
        solution=solution,
        staff_involved=org.guard,
    )
    complaint.refresh_from_db()
    return letter
