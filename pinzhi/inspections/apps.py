from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    """监督检查: checklist templates, plans, schedules, sampling and inspections (INS)."""

    name = "pinzhi.inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        self._register_checklists()
        self._register_planning()
        self._register_conducting()

    def _register_checklists(self) -> None:
        """Checklist templates (INS-4)."""
        from pinzhi.inspections.events import ChecklistEvent
        from pinzhi.timeline.events import register_labels

        register_labels(ChecklistEvent)

    def _register_planning(self) -> None:
        """Plans, schedules and sampling (INS-1 … INS-3, INS-6)."""
        from pinzhi.inspections.events import PlanEvent
        from pinzhi.timeline.events import register_labels

        register_labels(PlanEvent)

    def _register_conducting(self) -> None:
        """Conducting and reporting inspections (INS-5, INS-7, INS-8)."""
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.inspections import demo_conduct
        from pinzhi.inspections.conducting_flow import INSPECTION_WORKFLOW, REPORT_WORKFLOW
        from pinzhi.inspections.events import InspectionEvent
        from pinzhi.inspections.selectors import inspections_visible_to
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.orgs.roles import Role
        from pinzhi.timeline.events import register_labels
        from pinzhi.timeline.selectors import register_attachment_access

        register_labels(InspectionEvent)
        workflow_register(INSPECTION_WORKFLOW)
        workflow_register(REPORT_WORKFLOW)
        # Photos and signatures are attachments of the inspection: whoever may open it.
        register_attachment_access(
            "inspections.inspection",
            lambda user, inspection: (
                inspection is not None
                and inspections_visible_to(user).filter(pk=inspection.pk).exists()
            ),
        )
        register_demo(
            DemoPart(
                name="inspections_conducted",
                load=demo_conduct.load_demo_inspections,
                order=62,
            )
        )
        register_nav_section(
            _("Inspections"),
            (
                _("My inspection day"),
                "inspections:day",
                {Role.INSPECTOR, Role.QUALITY_DEPARTMENT},
                "clipboard-check",
                50,
            ),
            (
                _("Inspection reports"),
                "inspections:supervised",
                {Role.SUPERVISING_BODY, Role.QUALITY_DEPARTMENT},
                "file-earmark-text",
                53,
            ),
        )
