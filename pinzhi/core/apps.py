from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "pinzhi.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from datetime import timedelta

        from django.contrib.auth.signals import user_logged_in

        from pinzhi.core import checks  # noqa: F401  (registers the system checks)
        from pinzhi.core.clock import register_periodic
        from pinzhi.core.exports import exports_purge
        from pinzhi.core.middleware import session_start_idle_clock
        from pinzhi.core.shell import register_nav_section
        from pinzhi.core.tasks import (
            import_batches_purge,
            ratelimit_purge,
            signin_codes_purge,
            tasks_recover_abandoned,
        )
        from pinzhi.core.views_workflows import WORKFLOW_READERS

        # Issue 7 item 1: the workflows drawn for the quality department, in the policy area.
        register_nav_section(
            _("Policy"),
            (_("Workflows"), "core:workflows", WORKFLOW_READERS, "diagram-3", 920),
        )

        # Issue 6 item 10: the session idle timeout counts from the sign-in.
        user_logged_in.connect(session_start_idle_clock, dispatch_uid="pinzhi-idle-clock")

        # Issue 6 item 10: tasks left RUNNING by a killed worker.
        register_periodic(
            name="core.tasks_recover_abandoned",
            task=tasks_recover_abandoned,
            every=timedelta(minutes=10),
        )
        # Issue 7 item 6: rate-limit buckets whose window has passed.
        register_periodic(
            name="core.ratelimit_purge", task=ratelimit_purge, every=timedelta(hours=1)
        )
        # Issue 6 item 4: sign-in codes long past their expiry.
        register_periodic(
            name="core.signin_codes_purge", task=signin_codes_purge, every=timedelta(days=1)
        )
        # Issue 7 item 3: import batches never applied, and finished ones kept long enough.
        register_periodic(
            name="core.import_batches_purge", task=import_batches_purge, every=timedelta(hours=1)
        )
        # Issue 9 item 4: exports written by a worker, past their expiry.
        register_periodic(name="core.exports_purge", task=exports_purge, every=timedelta(hours=1))
