from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "pinzhi.api"
    verbose_name = _("API")

    def ready(self) -> None:
        # The operations an integration runs a case with (issue 8 item 5) register
        # themselves on the API when imported.
        from pinzhi.api import (  # noqa: F401
            assessment,
            cases,
            checklists,
            inspections,
            payroll,
            quarterly,
            rectification,
            schedules,
            standards,
            suppliers,
            tasks,
            training,
        )
        from pinzhi.api.events import ApiEvent
        from pinzhi.core.clock import register_periodic
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import Role
        from pinzhi.timeline.events import register_labels

        register_nav_section(
            _("Complaints"),
            (_("API tokens"), "api:tokens", {Role.QUALITY_DEPARTMENT}, "key", 90),
        )
        register_labels(ApiEvent)
        # Issue 8 item 5: status changes out as webhooks; old idempotency keys forgotten.
        register_periodic(
            name="api.status_webhooks", task=tasks.status_webhooks, every=timedelta(minutes=1)
        )
        register_periodic(
            name="api.idempotency_purge", task=tasks.idempotency_purge, every=timedelta(hours=1)
        )
