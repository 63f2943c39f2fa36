from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    """外包供方质量: supplier contracts, monthly evaluations and contract deductions (NCR-5)."""

    name = "pinzhi.suppliers"
    verbose_name = _("Supplier quality")
