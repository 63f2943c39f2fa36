"""The standards app's timeline events (STD-1 … STD-4). A standard's steps are recorded on
the standard itself, so its page shows the life of every version in one history."""

from typing import Annotated, NotRequired, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode


class VersionStep(TypedDict):
    code: Annotated[str, "the standard's code (CLN-01 …)"]
    version: Annotated[int, "the version's number"]


class CommentRecorded(VersionStep):
    source: Annotated[str, "department or user"]


class Published(VersionStep):
    review_due: Annotated[str | None, "the next review (ISO time)"]
    superseded: NotRequired[Annotated[int | None, "the version it replaces"]]


class CatalogueInstalled(TypedDict):
    pack: Annotated[str, "the pack whose catalogue was installed"]
    items: Annotated[int, "service items created"]
    standards: Annotated[int, "standards created"]


class GoalSet(TypedDict):
    unit_id: Annotated[int, "the unit"]
    metric: Annotated[str, "what the goal measures"]
    period: Annotated[str, "month, quarter or year"]
    target: Annotated[str, "the target"]
    version: Annotated[int, "the goal's version"]
    effective_from: Annotated[str, "the date it applies from"]


class SlaRecorded(TypedDict):
    contract_number: Annotated[str, "the contract"]


class CommitmentStep(TypedDict):
    post: Annotated[str, "the post's name"]


class StandardEvent(EventCode):
    CATALOGUE_INSTALLED = (
        "standard.catalogue_installed",
        _("Catalogue of standards installed"),
        "When a pack's catalogue of service items and standards is installed for a company "
        "(STD-1), on the company.",
        CatalogueInstalled,
    )
    DRAFTED = (
        "standard.drafted",
        _("Standard drafted"),
        "When the working group drafts a standard or a new version of one (STD-2).",
        VersionStep,
    )
    CONSULTATION_OPENED = (
        "standard.consultation_opened",
        _("Standard put out for comments"),
        "When a draft goes out for comments from the departments and the users (STD-2).",
        VersionStep,
    )
    COMMENTED = (
        "standard.commented",
        _("Comment on a standard recorded"),
        "When a department's or a user's comment on a draft is recorded (STD-2).",
        CommentRecorded,
    )
    SUBMITTED = (
        "standard.submitted",
        _("Standard submitted for approval"),
        "When the quality department submits a commented draft to leadership (STD-2).",
        VersionStep,
    )
    RETURNED = (
        "standard.returned",
        _("Standard returned for rework"),
        "When leadership returns a draft to the working group, with the reason (STD-2).",
        VersionStep,
    )
    APPROVED = (
        "standard.approved",
        _("Standard approved"),
        "When leadership approves a version (STD-2).",
        VersionStep,
    )
    PUBLISHED = (
        "standard.published",
        _("Standard published"),
        "When an approved version is published and replaces the one in force (STD-2); its "
        "review is tracked as a deadline.",
        Published,
    )
    REVIEWED = (
        "standard.reviewed",
        _("Standard reviewed"),
        "When the periodic review confirms the version in force (STD-2).",
        Published,
    )
    WITHDRAWN = (
        "standard.withdrawn",
        _("Standard withdrawn"),
        "When a version (and, if it was in force, the standard) is withdrawn, with the reason "
        "(STD-2).",
        VersionStep,
    )
    GOAL_SET = (
        "standard.goal_set",
        _("Quality goal set"),
        "When a unit's quality goal is set or adjusted (a new version, STD-3), on the unit.",
        GoalSet,
    )
    SLA_RECORDED = (
        "standard.sla_recorded",
        _("Service level agreement recorded"),
        "When a customer contract's SLA is recorded or changed (STD-3).",
        SlaRecorded,
    )
    COMMITMENT_PUBLISHED = (
        "standard.commitment_published",
        _("Service commitment published"),
        "When a post's service commitment is published on the public page (STD-4).",
        CommitmentStep,
    )
    COMMITMENT_WITHDRAWN = (
        "standard.commitment_withdrawn",
        _("Service commitment withdrawn"),
        "When a published service commitment is taken off the public page (STD-4).",
        CommitmentStep,
    )
