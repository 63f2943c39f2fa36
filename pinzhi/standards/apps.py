from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """服务标准: service items, standards, quality goals, SLAs and public commitments (STD)."""

    name = "pinzhi.standards"
    verbose_name = _("Service standards")

    def ready(self) -> None:
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.deadlines.display import register_kind, register_level
        from pinzhi.deadlines.escalation import register_escalation
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.standards import demo
        from pinzhi.standards.events import StandardEvent
        from pinzhi.standards.selectors import (
            MANAGE_ROLES,
            READ_ROLES,
            review_escalation_people,
        )
        from pinzhi.standards.services import REVIEW_KIND
        from pinzhi.standards.workflow import STANDARD_WORKFLOW
        from pinzhi.timeline.events import register_labels

        register_labels(StandardEvent)
        workflow_register(STANDARD_WORKFLOW)
        # STD-2: an overdue review goes to the quality department, then to leadership.
        register_kind(REVIEW_KIND, _("Time limit for the standard's review"))
        register_escalation("standard", review_escalation_people)
        register_level("owner", _("Quality department"), kind_prefix="standard")
        register_level("leadership", _("Leadership"), kind_prefix="standard")
        register_demo(DemoPart(name="standards", load=demo.load_demo_standards, order=55))
        register_nav_section(
            _("Standards"),
            (_("Service standards"), "standards:list", READ_ROLES, "journal-check", 300),
            (_("Quality goals"), "standards:goals", READ_ROLES, "bullseye", 310),
            (_("Service level agreements"), "standards:slas", READ_ROLES, "file-earmark-text", 320),
            (_("Service commitments"), "standards:commitments", MANAGE_ROLES, "megaphone", 330),
        )
