from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """培训: courses, sessions, attendance and test scores, the inspectors' annual training
    and retraining tracked to completion (TRN-1, ASM-8)."""

    name = "pinzhi.training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from datetime import timedelta

        from pinzhi.core.clock import register_periodic
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import STAFF_ROLES
        from pinzhi.timeline.events import register_labels
        from pinzhi.training import demo, tasks
        from pinzhi.training.events import TrainingEvent
        from pinzhi.training.selectors import READ_ROLES

        register_labels(TrainingEvent)
        # TRN-1: the inspectors' annual assignments and the warning when one falls behind.
        register_periodic(
            name="training.daily", task=tasks.training_daily_task, every=timedelta(days=1)
        )
        register_demo(DemoPart(name="training", load=demo.load_demo_training, order=78))
        register_nav_section(
            _("Training"),
            (_("My training"), "training:mine", STAFF_ROLES, "mortarboard", 92),
            (_("Courses"), "training:courses", READ_ROLES, "journal-bookmark", 93),
            (_("Training sessions"), "training:sessions", READ_ROLES, "calendar-event", 94),
            (_("Training behind schedule"), "training:behind", READ_ROLES, "hourglass-split", 95),
        )
