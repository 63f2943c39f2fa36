from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """培训: courses, sessions, attendance and test scores, the inspectors' annual training
    and retraining tracked to completion (TRN-1, ASM-8)."""

    name = "pinzhi.training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from pinzhi.timeline.events import register_labels
        from pinzhi.training.events import TrainingEvent

        register_labels(TrainingEvent)
