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
        from pinzhi.assessment.events import QuarterEvent
        from pinzhi.timeline.events import register_labels

        register_labels(QuarterEvent)

    def _register_consequences(self) -> None:
        """Part D: consequences and the penalty scale (with training)."""
        from pinzhi.assessment.events import ConsequenceEvent
        from pinzhi.timeline.events import register_labels

        register_labels(ConsequenceEvent)

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
