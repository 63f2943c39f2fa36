from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "pinzhi.portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from pinzhi.core.shell import NavEntry, register_nav
        from pinzhi.orgs.roles import Role

        register_nav(
            NavEntry(
                section=_("Complaints"),
                label=_("Complaint QR codes"),
                url_name="portal:qr_codes",
                roles=frozenset({Role.QUALITY_DEPARTMENT, Role.SERVICE_DESK}),
                icon="qr-code",
                order=80,
            )
        )
        register_nav(
            NavEntry(
                section=_("Complaints"),
                label=_("Public complaint page"),
                url_name="portal:landing",
                roles=frozenset({Role.QUALITY_DEPARTMENT, Role.SERVICE_DESK}),
                icon="globe",
                order=81,
            )
        )
