from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "pinzhi.notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from pinzhi.core.access import SIGNED_IN
        from pinzhi.core.clock import register_periodic
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.notify import tasks, tiles
        from pinzhi.notify.selectors import ADMIN_ROLES

        everyone = frozenset({SIGNED_IN})
        register_nav_section(
            _("Notifications"),
            (_("Inbox"), "notify:inbox", everyone, "bell", 50),
            (_("My channels"), "notify:preferences", everyone, "sliders", 51),
            (_("Webhooks"), "notify:webhooks", ADMIN_ROLES, "broadcast", 52),
            (_("Delivery log"), "notify:deliveries", ADMIN_ROLES, "send-check", 53),
        )
        register_tile(
            Tile(
                key="notify-unread",
                template="notify/tiles/unread.html",
                roles=everyone,
                render=tiles.unread,
                order=10,
            )
        )
        # failed e-mail/webhook deliveries are retried with back-off by this sweep.
        register_periodic(
            name="notify.deliveries_retry_due",
            task=tasks.deliveries_retry_due,
            every=timedelta(minutes=1),
        )
