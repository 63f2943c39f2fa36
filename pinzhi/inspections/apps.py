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
        """Checklist templates (INS-4): events, the version workflow, the builder's menu
        entry and the demo's templates."""
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.inspections.checklists import READERS, VERSION_WORKFLOW
        from pinzhi.inspections.checklists_demo import load_demo_checklists
        from pinzhi.inspections.events import ChecklistEvent
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.timeline.events import register_labels
        from pinzhi.timeline.privacy import register_personal_data_rule

        register_labels(ChecklistEvent)
        workflow_register(VERSION_WORKFLOW)
        register_personal_data_rule("inspections.checklisttemplate", lambda user, subject: True)
        register_nav_section(
            _("Inspections"),
            (_("Checklists"), "checklists:list", READERS, "ui-checks", 30),
        )
        register_demo(DemoPart(name="checklists", load=load_demo_checklists, order=60))

    def _register_planning(self) -> None:
        """Plans, schedules and sampling (INS-1 … INS-3, INS-6)."""
        from pinzhi.inspections.events import PlanEvent
        from pinzhi.timeline.events import register_labels

        register_labels(PlanEvent)

    def _register_conducting(self) -> None:
        """Conducting and reporting inspections (INS-5, INS-7, INS-8)."""
        from pinzhi.inspections.events import InspectionEvent
        from pinzhi.timeline.events import register_labels

        register_labels(InspectionEvent)
