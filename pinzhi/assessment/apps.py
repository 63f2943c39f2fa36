from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """考核评价与奖惩: the points ledger, the monthly cycle, stars and worst service, the
    quarterly assessment, consequences and the quality archives (ASM-1 … ASM-11)."""

    name = "pinzhi.assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        self._register_ledger()
        self._register_cycle()
        self._register_board()
        self._register_quarterly()
        self._register_consequences()
        self._register_archives()

    def _register_ledger(self) -> None:
        """Part A: the ledger derived from events, offences, daily records, own points."""
        from datetime import timedelta

        from pinzhi.assessment.demo_ledger import load_demo_ledger
        from pinzhi.assessment.events import LedgerEvent
        from pinzhi.assessment.selectors.access import READ_ROLES
        from pinzhi.assessment.tasks_ledger import assessment_ledger_follow
        from pinzhi.core.clock import register_periodic
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import STAFF_ROLES
        from pinzhi.timeline.events import register_labels

        register_labels(LedgerEvent)
        register_periodic(
            name="assessment.ledger_follow",
            task=assessment_ledger_follow,
            every=timedelta(minutes=1),
        )
        register_demo(DemoPart(name="assessment_ledger", load=load_demo_ledger, order=80))
        register_nav_section(
            _("Assessment"),
            (_("My assessment"), "assessment:ledger_mine", STAFF_ROLES, "clipboard-data", 80),
            (_("Staff assessment"), "assessment:ledger_people", READ_ROLES, "people", 81),
        )

    def _register_cycle(self) -> None:
        """Part B: the monthly cycle, appeals, payroll export."""
        from datetime import timedelta

        from pinzhi.assessment.events import CycleEvent
        from pinzhi.assessment.selectors.access import MANAGE_ROLES, READ_ROLES
        from pinzhi.assessment.tasks_cycle import assessment_months_task
        from pinzhi.assessment.workflow_cycle import MONTH_WORKFLOW
        from pinzhi.core.clock import register_periodic
        from pinzhi.core.shell import register_nav_section
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.orgs.roles import STAFF_ROLES
        from pinzhi.timeline.events import register_labels

        register_labels(CycleEvent)
        workflow_register(MONTH_WORKFLOW)
        # ASM-3: the draft of the month just ended, once a day (Asia/Shanghai months).
        register_periodic(
            name="assessment.months", task=assessment_months_task, every=timedelta(days=1)
        )
        register_nav_section(
            _("Assessment"),
            (
                _("Monthly assessment"),
                "assessment:months",
                READ_ROLES | MANAGE_ROLES,
                "calendar-check",
                82,
            ),
            (_("My appeals"), "assessment:my_appeals", STAFF_ROLES, "chat-left-text", 83),
        )
        self._register_cycle_demo()

    def _register_cycle_demo(self) -> None:
        from pinzhi.assessment import demo_cycle
        from pinzhi.core.demo import DemoPart, register_demo

        register_demo(DemoPart(name="assessment_cycle", load=demo_cycle.load_demo_cycle, order=82))

    def _register_board(self) -> None:
        """Part E: service stars, worst service, the notice board, rule-change preview."""
        from pinzhi.assessment import demo_board
        from pinzhi.assessment.events import BoardEvent
        from pinzhi.assessment.hooks import register_month_end
        from pinzhi.assessment.services.board import worst_service_rate
        from pinzhi.assessment.services.preview import amendment_impact
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import STAFF_ROLES, Role
        from pinzhi.policy.impact import register_amendment_impact
        from pinzhi.timeline.events import register_labels

        register_labels(BoardEvent)
        # Before the monthly cycle's demo (82) closes the year's months: stars are named
        # within a month, before it is exported to payroll.
        register_demo(DemoPart(name="assessment_board", load=demo_board.load_demo_board, order=81))
        register_month_end("worst_service", worst_service_rate)
        register_amendment_impact(amendment_impact)
        register_nav_section(
            _("Assessment"),
            (_("Notice board"), "assessment:board", STAFF_ROLES, "megaphone", 84),
            (
                _("Service stars"),
                "assessment:stars",
                frozenset({Role.QUALITY_DEPARTMENT, Role.DEPARTMENT_MANAGER}),
                "star",
                85,
            ),
        )

    def _register_quarterly(self) -> None:
        """Part C: quarterly plans, indicators, rankings, branded window, year end."""
        from pinzhi.assessment.demo_quarterly import load_demo_quarterly
        from pinzhi.assessment.events import QuarterEvent
        from pinzhi.assessment.selectors.quarterly import READ_ROLES
        from pinzhi.assessment.workflow_quarterly import PLAN_WORKFLOW
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.timeline.events import register_labels

        register_labels(QuarterEvent)
        workflow_register(PLAN_WORKFLOW)
        register_demo(DemoPart(name="quarterly", load=load_demo_quarterly, order=86))
        register_nav_section(
            _("Assessment"),
            (_("Quarterly assessment"), "assessment:quarterly_plans", READ_ROLES, "bar-chart", 86),
            (_("Year-end roll-up"), "assessment:quarterly_year", READ_ROLES, "calendar3", 87),
        )

    def _register_consequences(self) -> None:
        """Part D: consequences and the penalty scale (with training)."""
        from pinzhi.assessment import demo_consequences
        from pinzhi.assessment.events import ConsequenceEvent
        from pinzhi.assessment.selectors.consequences import PROPOSE_ROLES
        from pinzhi.assessment.services.consequences import retraining_completed
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import STAFF_ROLES
        from pinzhi.timeline.events import register_labels
        from pinzhi.training.hooks import register_on_completed

        register_labels(ConsequenceEvent)
        register_demo(
            DemoPart(name="consequences", load=demo_consequences.load_demo_consequences, order=88)
        )
        register_nav_section(
            _("Assessment"),
            (_("Rewards and penalties"), "assessment:consequences", STAFF_ROLES, "award", 88),
            (
                _("Propose a consequence"),
                "assessment:consequence_propose",
                PROPOSE_ROLES,
                "plus-circle",
                89,
            ),
        )
        # ASM-8: a decided retraining is done once the person passes the assigned course.
        register_on_completed(retraining_completed)

    def _register_archives(self) -> None:
        """Part F: the quality archives of employees and managers."""
        from pinzhi.assessment.selectors.access import READ_ROLES
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import STAFF_ROLES

        register_nav_section(
            _("Assessment"),
            (_("My quality archive"), "assessment:my_archive", STAFF_ROLES, "person-vcard", 90),
            (_("Work quality archives"), "assessment:archives", READ_ROLES, "folder2-open", 91),
        )
