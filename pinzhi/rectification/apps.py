from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    """整改: nonconformities, rectification, work orders, supervision orders, CAPA (NCR-1…4)."""

    name = "pinzhi.rectification"
    verbose_name = _("Rectification")
