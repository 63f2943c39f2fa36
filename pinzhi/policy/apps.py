from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "pinzhi.policy"
    verbose_name = _("Policy")

    def ready(self):
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.orgs.selectors import register_rule_reader
        from pinzhi.policy import tiles
        from pinzhi.policy.events import PolicyEvent
        from pinzhi.policy.selectors import (
            AMENDMENT_ROLES,
            APPROVE_ROLES,
            EDIT_ROLES,
            READ_ROLES,
            REVIEW_ROLES,
            rule_value_or_none,
        )
        from pinzhi.policy.workflow import AMENDMENT_WORKFLOW
        from pinzhi.timeline.events import register_labels

        register_labels(PolicyEvent)

        # ORG-4: the organisation app reads the licence warning period through this.
        register_rule_reader(rule_value_or_none)
        workflow_register(AMENDMENT_WORKFLOW)

        register_nav_section(
            _("Policy"),
            (_("Rules"), "policy:list", READ_ROLES, "journal-text", 900),
            (_("Amendments"), "policy:amendments", AMENDMENT_ROLES, "pencil-square", 910),
        )
        register_tile(
            Tile(
                key="policy-amendments",
                template="policy/tiles/amendments.html",
                roles=REVIEW_ROLES | APPROVE_ROLES,
                render=tiles.amendments_waiting,
                order=890,
            )
        )
        register_tile(
            Tile(
                key="policy-upcoming",
                template="policy/tiles/upcoming.html",
                roles=EDIT_ROLES,
                render=tiles.upcoming_changes,
                order=900,
            )
        )
