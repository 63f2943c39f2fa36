from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "pinzhi.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from pinzhi.api.events import ApiEvent
        from pinzhi.core.shell import NavEntry, register_nav
        from pinzhi.orgs.roles import Role
        from pinzhi.timeline.events import register_labels

        register_nav(
            NavEntry(
                section=_("Complaints"),
                label=_("API tokens"),
                url_name="api:tokens",
                roles=frozenset({Role.QUALITY_DEPARTMENT}),
                icon="key",
                order=90,
            )
        )
        register_labels(ApiEvent)
