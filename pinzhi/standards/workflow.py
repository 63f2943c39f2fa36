"""The life of a standard's version (STD-2; 000 服务质量管理监督制度范本 第七条), declared once:

    draft ──open_comments──▶ consultation ──submit──▶ submitted ──approve──▶ approved
      ▲                       (comment …)                │                      │
      └────────────────return────────────────────────────┘                  publish
                                                                               ▼
    any of these ──withdraw──▶ withdrawn                       published (review …)
                                                                 └─ a newer version ▶ superseded

The working group (quality department, department managers, quality committee) drafts and
puts a draft out for comments; any member of the staff records a comment of their department
or one collected from the users; the quality department submits the commented draft to
leadership, which approves it or returns it; the quality department publishes the approved
version (it replaces the one in force), reviews it periodically, and withdraws a version or
the standard. Only people of the standard's company take its steps (an operator any).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.lib.workflow import UNCHANGED, Roles, Step, Workflow
from pinzhi.orgs.roles import STAFF_ROLES, Role
from pinzhi.standards.events import StandardEvent
from pinzhi.standards.models import StandardVersion, VersionState

State = VersionState

DRAFT_ROLES = frozenset({Role.QUALITY_DEPARTMENT, Role.DEPARTMENT_MANAGER, Role.QUALITY_COMMITTEE})
QUALITY_ROLES = frozenset({Role.QUALITY_DEPARTMENT})
APPROVE_ROLES = frozenset({Role.LEADERSHIP})
COMMENT_ROLES = frozenset(STAFF_ROLES)

MSG_WRONG_STATE = _("This version is “%(state)s”; it cannot be %(action)s now.")
MSG_MAY_NOT = _("You may not %(action)s a standard: %(who)s.")
MSG_OTHER_COMPANY = _("This standard belongs to another company.")
MSG_NO_COMMENTS = _(
    "No comment has been recorded yet: a draft goes to leadership only after the departments "
    "and the users have been heard (record at least one comment)."
)
WHO = {
    "draft": _(
        "the working group does (quality department, department managers, quality committee)"
    ),
    "comment": _("the company's staff do"),
    "quality": _("the quality department does"),
    "approve": _("leadership does"),
}


def _same_company(person: Any, version: StandardVersion) -> bool:
    return bool(
        person is not None
        and (person.is_superuser or person.company_id == version.standard.company_id)
    )


def _no_comments(version: StandardVersion) -> Any:
    return None if version.comments.exists() else MSG_NO_COMMENTS


def _reason(data: dict) -> str:
    return data.get("reason", "")


STANDARD_WORKFLOW = Workflow(
    name="standard",
    label=_("Service standard"),
    description=_(
        "A version of a service standard: drafted by the working group, put out for comments "
        "from the departments and the users, approved by leadership and published; a "
        "published standard is changed by a new version and reviewed periodically (STD-2)."
    ),
    states=dict(VersionState.choices),
    state_of=lambda version: version.state,
    error="pinzhi.standards.services.StandardError",
    scope=_same_company,
    wrong_state=MSG_WRONG_STATE,
    not_permitted=MSG_MAY_NOT,
    out_of_scope=MSG_OTHER_COMPANY,
    services="pinzhi.standards.services",
    record_kw="version",
    initial=_("A standard is needed or must change"),
    steps=[
        Step(
            "draft",
            _("Draft"),
            sources=(),
            target=State.DRAFT,
            who=Roles(DRAFT_ROLES),
            who_text=WHO["draft"],
            verb=_("draft"),
            event=StandardEvent.DRAFTED,
        ),
        Step(
            "open_comments",
            _("Put out for comments"),
            sources={State.DRAFT},
            target=State.CONSULTATION,
            who=Roles(DRAFT_ROLES),
            who_text=WHO["draft"],
            form="pinzhi.standards.forms.StepForm",
            service="version_open_comments",
            call=lambda service, version, person, data: service(version=version, actor=person),
            confirm=_(
                "Put this draft out for comments? The departments and the users are asked for "
                "their opinion; the text can no longer be edited."
            ),
            done=_("%(code)s v%(number)s is out for comments."),
            event=StandardEvent.CONSULTATION_OPENED,
            verb=_("put out for comments"),
            participle=pgettext_lazy("standard step", "put out for comments"),
            submit=_("Put out for comments"),
            icon="megaphone",
        ),
        Step(
            "comment",
            _("Record a comment"),
            sources={State.CONSULTATION},
            target=UNCHANGED,
            who=Roles(COMMENT_ROLES),
            who_text=WHO["comment"],
            form="pinzhi.standards.forms.CommentForm",
            service="version_comment",
            done=_("The comment on %(code)s v%(number)s is recorded."),
            event=StandardEvent.COMMENTED,
            verb=_("comment on"),
            participle=pgettext_lazy("standard step", "commented on"),
            submit=_("Record the comment"),
            icon="chat-left-text",
            style="outline-primary",
        ),
        Step(
            "submit",
            _("Submit for approval"),
            sources={State.CONSULTATION},
            target=State.SUBMITTED,
            who=Roles(QUALITY_ROLES),
            who_text=WHO["quality"],
            when=_no_comments,
            form="pinzhi.standards.forms.StepForm",
            service="version_submit",
            call=lambda service, version, person, data: service(version=version, actor=person),
            confirm=_("Submit this version with its comments to leadership for approval?"),
            done=_("%(code)s v%(number)s is submitted to leadership for approval."),
            event=StandardEvent.SUBMITTED,
            verb=_("submit"),
            participle=pgettext_lazy("standard step", "submitted"),
            submit=_("Submit for approval"),
            icon="send",
        ),
        Step(
            "approve",
            _("Approve"),
            sources={State.SUBMITTED},
            target=State.APPROVED,
            who=Roles(APPROVE_ROLES),
            who_text=WHO["approve"],
            form="pinzhi.standards.forms.StepForm",
            service="version_approve",
            call=lambda service, version, person, data: service(version=version, actor=person),
            confirm=_("Approve this version? The quality department then publishes it."),
            done=_("%(code)s v%(number)s is approved."),
            event=StandardEvent.APPROVED,
            verb=_("approve"),
            participle=pgettext_lazy("standard step", "approved"),
            submit=_("Approve"),
            icon="check2-circle",
        ),
        Step(
            "return_draft",
            _("Return for rework"),
            sources={State.SUBMITTED},
            target=State.DRAFT,
            who=Roles(APPROVE_ROLES),
            who_text=WHO["approve"],
            form="pinzhi.standards.forms.ReasonForm",
            service="version_return",
            call=lambda service, version, person, data: service(
                version=version, actor=person, reason=_reason(data)
            ),
            confirm=_("Return this version to the working group? Say what must change."),
            done=_("%(code)s v%(number)s is returned to the working group."),
            event=StandardEvent.RETURNED,
            verb=_("return"),
            participle=pgettext_lazy("standard step", "returned"),
            submit=_("Return for rework"),
            icon="arrow-return-left",
            style="outline-secondary",
        ),
        Step(
            "publish",
            _("Publish"),
            sources={State.APPROVED},
            target=State.PUBLISHED,
            who=Roles(QUALITY_ROLES),
            who_text=WHO["quality"],
            form="pinzhi.standards.forms.StepForm",
            service="version_publish",
            call=lambda service, version, person, data: service(version=version, actor=person),
            confirm=_(
                "Publish this version? It replaces the version in force, and its review date "
                "is set from the review period."
            ),
            done=_("%(code)s v%(number)s is published."),
            event=StandardEvent.PUBLISHED,
            verb=_("publish"),
            participle=pgettext_lazy("standard step", "published"),
            submit=_("Publish"),
            icon="broadcast",
        ),
        Step(
            "review",
            _("Confirm after review"),
            sources={State.PUBLISHED},
            target=UNCHANGED,
            who=Roles(QUALITY_ROLES),
            who_text=WHO["quality"],
            form="pinzhi.standards.forms.ReviewForm",
            service="version_review",
            call=lambda service, version, person, data: service(
                version=version, actor=person, note=data.get("note", "")
            ),
            confirm=_(
                "Confirm that the periodic review found this standard still right? The next "
                "review date is set from today. To change it, draft a new version instead."
            ),
            done=_("%(code)s v%(number)s is confirmed; the next review date is set."),
            event=StandardEvent.REVIEWED,
            verb=_("review"),
            participle=pgettext_lazy("standard step", "reviewed"),
            submit=_("Confirm"),
            icon="clipboard-check",
            style="outline-primary",
        ),
        Step(
            "withdraw",
            _("Withdraw"),
            sources={
                State.DRAFT,
                State.CONSULTATION,
                State.SUBMITTED,
                State.APPROVED,
                State.PUBLISHED,
            },
            target=State.WITHDRAWN,
            who=Roles(QUALITY_ROLES),
            who_text=WHO["quality"],
            form="pinzhi.standards.forms.ReasonForm",
            service="version_withdraw",
            call=lambda service, version, person, data: service(
                version=version, actor=person, reason=_reason(data)
            ),
            confirm=_(
                "Withdraw this version? If it is the version in force, the standard is no "
                "longer in force and checklists should stop using it."
            ),
            done=_("%(code)s v%(number)s is withdrawn."),
            event=StandardEvent.WITHDRAWN,
            verb=_("withdraw"),
            participle=pgettext_lazy("standard step", "withdrawn"),
            submit=_("Withdraw"),
            icon="x-circle",
            style="outline-danger",
        ),
    ],
)
