from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "pinzhi.deadlines"
    verbose_name = _("Deadlines")

    def ready(self) -> None:
        from pinzhi.core.clock import register_periodic
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.deadlines import tiles
        from pinzhi.deadlines.events import CalendarEvent, DeadlineEvent
        from pinzhi.deadlines.models import Deadline
        from pinzhi.deadlines.selectors import CALENDAR_READ_ROLES, OVERDUE_ROLES
        from pinzhi.deadlines.tasks import sweep_deadlines
        from pinzhi.deadlines.workflow import DEADLINE_WORKFLOW
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.timeline.events import register_labels
        from pinzhi.timeline.privacy import register_key_labels

        register_labels(DeadlineEvent)
        register_labels(CalendarEvent)
        # A deadline's events are on its record's timeline (a complaint's): name its keys.
        register_key_labels(
            "state", Deadline._meta.get_field("state").verbose_name, Deadline.State.choices
        )
        register_key_labels("due_at", Deadline._meta.get_field("due_at").verbose_name)
        workflow_register(DEADLINE_WORKFLOW)

        register_nav_section(
            _("Deadlines"),
            (_("Overdue"), "deadlines:list", OVERDUE_ROLES, "alarm", 200),
            (
                _("Working-time calendars"),
                "deadlines:calendars",
                CALENDAR_READ_ROLES,
                "calendar3",
                210,
            ),
        )
        register_tile(
            Tile(
                key="deadlines-overdue",
                template="deadlines/tiles/overdue.html",
                roles=OVERDUE_ROLES,
                render=tiles.my_overdue,
                order=50,
            )
        )
        # The clock enqueues the sweep every minute (DESIGN mechanism 2).
        register_periodic(name="deadlines.sweep", task=sweep_deadlines, every=timedelta(minutes=1))
