from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "pinzhi.timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        from datetime import timedelta

        from pinzhi.core.clock import register_periodic
        from pinzhi.core.shell import NavEntry, register_nav
        from pinzhi.timeline.events import TimelineEvent, register_labels
        from pinzhi.timeline.tasks import attachments_purge_orphans, timeline_verify

        register_labels(TimelineEvent)

        register_periodic(name="timeline.verify", task=timeline_verify, every=timedelta(days=1))
        # Attachment files left behind by rolled-back transactions.
        register_periodic(
            name="timeline.purge_orphans", task=attachments_purge_orphans, every=timedelta(hours=1)
        )
        from pinzhi.timeline.selectors import AUDIT_ROLES, INTEGRITY_ROLES

        register_nav(
            NavEntry(
                section=_("Audit"),
                label=_("Event log"),
                url_name="timeline:events",
                roles=AUDIT_ROLES,
                icon="clock-history",
                order=900,
            )
        )
        register_nav(
            NavEntry(
                section=_("Audit"),
                label=_("Timeline integrity"),
                url_name="timeline:integrity",
                roles=INTEGRITY_ROLES,
                icon="shield-check",
                order=910,
            )
        )
