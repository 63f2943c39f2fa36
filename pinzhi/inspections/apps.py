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
        from datetime import timedelta

        from pinzhi.core.clock import register_periodic
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.deadlines.display import register_kind
        from pinzhi.inspections import demo_planning, tasks
        from pinzhi.inspections.events import PlanEvent
        from pinzhi.inspections.planning import DUE_KIND, PLAN_READERS, PLAN_WORKFLOW, PLANNERS
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.timeline.events import register_labels

        register_labels(PlanEvent)
        workflow_register(PLAN_WORKFLOW)
        register_kind(DUE_KIND, _("Inspection due"))
        register_nav_section(
            _("Inspections"),
            (_("Inspection tasks"), "planning:tasks", PLAN_READERS, "list-check", 310),
            (_("Schedules"), "planning:schedules", PLAN_READERS, "calendar-week", 320),
            (_("Inspection plans"), "planning:plans", PLAN_READERS, "calendar-check", 330),
            (_("Random draws"), "planning:draws", PLAN_READERS | PLANNERS, "shuffle", 340),
        )
        register_demo(DemoPart(name="planning", load=demo_planning.load_demo_planning, order=61))
        # INS-1: the rolling window of every schedule, and plans whose notice is due.
        register_periodic(
            name="inspections.materialise",
            task=tasks.materialise_schedules,
            every=timedelta(days=1),
        )
        register_periodic(
            name="inspections.plan_notices", task=tasks.notify_plans, every=timedelta(hours=1)
        )

    def _register_conducting(self) -> None:
        """Conducting and reporting inspections (INS-5, INS-7, INS-8)."""
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.inspections import demo_conduct, tiles
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
        # The inspector's home tile: today's tasks and what waits to be sent (INS-5).
        register_tile(
            Tile(
                key="inspections-day",
                template="inspections/tiles/day.html",
                roles=frozenset({Role.INSPECTOR}),
                render=tiles.my_day,
                order=20,
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
