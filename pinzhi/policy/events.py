"""The policy app's timeline events (issue 7, item 5)."""

from typing import Annotated, TypedDict

from django.utils.translation import gettext_lazy as _

from pinzhi.timeline.events import EventCode


class PackLoaded(TypedDict):
    pack: Annotated[str, "the pack's code"]
    created: Annotated[list, "the rule keys created"]
    updated_value: Annotated[list, "the rule keys whose shipped value changed"]
    texts_changed: Annotated[list, "the rule keys whose texts changed"]
    kept_revised: Annotated[list, "the rule keys whose revised value was kept"]
    unchanged: Annotated[int, "how many rules were unchanged"]


class Amendment(TypedDict):
    rule: Annotated[str, "the rule's key"]
    pack: Annotated[str, "the pack's code"]


class AmendmentApproved(Amendment):
    version: Annotated[int, "the RuleVersion created"]
    effective_from: Annotated[str, "when the new value takes effect (ISO time)"]
    moved_to_now: Annotated[bool, "whether a past effective date was moved to now"]


class PolicyEvent(EventCode):
    PACK_LOADED = (
        "policy.pack_loaded",
        _("Policy pack loaded"),
        "When a shipped policy pack is loaded and changes anything, on the pack.",
        PackLoaded,
    )
    RULE_REVISED = (
        "policy.rule_revised",
        _("Rule revised"),
        "When a rule gets a new value (a new version), in the log of the company whose "
        "value it is (STD-5).",
    )
    AMENDMENT_PROPOSED = (
        "policy.amendment_proposed",
        _("Rule amendment proposed"),
        "When a person proposes a new value for a rule (STD-5).",
        Amendment,
    )
    AMENDMENT_REVIEWED = (
        "policy.amendment_reviewed",
        _("Rule amendment reviewed"),
        "When the quality department reviews a proposed amendment (STD-5).",
        Amendment,
    )
    AMENDMENT_APPROVED = (
        "policy.amendment_approved",
        _("Rule amendment approved"),
        "When the leadership approves an amendment and its version is created (STD-5).",
        AmendmentApproved,
    )
    AMENDMENT_REJECTED = (
        "policy.amendment_rejected",
        _("Rule amendment rejected"),
        "When an amendment is rejected, with the reason (STD-5).",
        Amendment,
    )
    AMENDMENT_WITHDRAWN = (
        "policy.amendment_withdrawn",
        _("Rule amendment withdrawn"),
        "When the proposer withdraws an amendment (STD-5).",
        Amendment,
    )
