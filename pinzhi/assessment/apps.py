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
        from pinzhi.assessment.events import LedgerEvent
        from pinzhi.timeline.events import register_labels

        register_labels(LedgerEvent)

    def _register_cycle(self) -> None:
        """Part B: the monthly cycle, appeals, payroll export."""
        from pinzhi.assessment.events import CycleEvent
        from pinzhi.timeline.events import register_labels

        register_labels(CycleEvent)

    def _register_board(self) -> None:
        """Part E: service stars, worst service, the notice board, rule-change preview."""
        from pinzhi.assessment.events import BoardEvent
        from pinzhi.timeline.events import register_labels

        register_labels(BoardEvent)

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
        from pinzhi.assessment.events import ConsequenceEvent
        from pinzhi.timeline.events import register_labels

        register_labels(ConsequenceEvent)

    def _register_archives(self) -> None:
        """Part F: the quality archives of employees and managers."""
