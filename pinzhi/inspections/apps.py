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
        from pinzhi.inspections.events import InspectionEvent
        from pinzhi.timeline.events import register_labels

        register_labels(InspectionEvent)
