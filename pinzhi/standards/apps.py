from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """服务标准: service items, standards, quality goals, SLAs and public commitments (STD)."""

    name = "pinzhi.standards"
    verbose_name = _("Service standards")
