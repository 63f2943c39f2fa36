from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "pinzhi.portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        from pinzhi.core.shell import register_nav_section
        from pinzhi.orgs.roles import Role

        desk = {Role.QUALITY_DEPARTMENT, Role.SERVICE_DESK}
        register_nav_section(
            _("Complaints"),
            (_("Complaint QR codes"), "portal:qr_codes", desk, "qr-code", 80),
            (_("Public complaint page"), "portal:landing", desk, "globe", 81),
            # Issue 8 item 6: a signed-in customer finds their own complaints.
            (_("My complaints"), "portal:my_complaints", {Role.CUSTOMER}, "chat-square-text", 5),
        )
