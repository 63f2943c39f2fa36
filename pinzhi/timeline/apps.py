from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "pinzhi.timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        from datetime import timedelta

        from pinzhi.core.clock import register_periodic
        from pinzhi.core.shell import register_nav_section
        from pinzhi.timeline.events import TimelineEvent, register_labels
        from pinzhi.timeline.tasks import (
            attachments_purge_orphans,
            timeline_link_pending,
            timeline_verify,
        )

        register_labels(TimelineEvent)

        register_periodic(name="timeline.verify", task=timeline_verify, every=timedelta(days=1))
        # Events a process killed between its commit and its link left unlinked (issue 9).
        register_periodic(
            name="timeline.link_pending", task=timeline_link_pending, every=timedelta(minutes=1)
        )
        # Attachment files left behind by rolled-back transactions.
        register_periodic(
            name="timeline.purge_orphans", task=attachments_purge_orphans, every=timedelta(hours=1)
        )
        from pinzhi.timeline.selectors import AUDIT_ROLES, INTEGRITY_ROLES

        register_nav_section(
            _("Audit"),
            (_("Event log"), "timeline:events", AUDIT_ROLES, "clock-history", 900),
            (_("Timeline integrity"), "timeline:integrity", INTEGRITY_ROLES, "shield-check", 910),
        )
