from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "pinzhi.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from pinzhi.api.events import ApiEvent
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import Role
        from pinzhi.timeline.events import register_labels

        register_nav_section(
            _("Complaints"),
            (_("API tokens"), "api:tokens", {Role.QUALITY_DEPARTMENT}, "key", 90),
        )
        register_labels(ApiEvent)
