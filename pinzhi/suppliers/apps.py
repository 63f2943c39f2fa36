from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    """外包供方质量: supplier contracts, monthly evaluations and contract deductions (NCR-5)."""

    name = "pinzhi.suppliers"
    verbose_name = _("Supplier quality")

    def ready(self) -> None:
        from datetime import timedelta

        from pinzhi.core.clock import register_periodic
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.shell import register_nav_section
        from pinzhi.inspections.hooks import register_on_submitted
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.orgs.roles import CONTRACTOR_ROLES
        from pinzhi.suppliers import demo
        from pinzhi.suppliers.events import SupplierEvent
        from pinzhi.suppliers.selectors import MANAGE_ROLES, STAFF_READ_ROLES
        from pinzhi.suppliers.services import inspection_submitted_fold
        from pinzhi.suppliers.tasks import suppliers_fold_task
        from pinzhi.suppliers.workflow import EVALUATION_WORKFLOW
        from pinzhi.timeline.events import register_labels

        register_labels(SupplierEvent)
        workflow_register(EVALUATION_WORKFLOW)
        register_periodic(
            name="suppliers.fold", task=suppliers_fold_task, every=timedelta(minutes=1)
        )
        # INS-5 / NCR-5: the check folded at once after a submission; the clock is the backstop.
        register_on_submitted(inspection_submitted_fold)
        register_demo(DemoPart(name="suppliers", load=demo.load_demo_suppliers, order=64))
        register_nav_section(
            _("Supplier quality"),
            (_("Supplier contracts"), "suppliers:contracts", STAFF_READ_ROLES, "briefcase", 70),
            (
                _("Monthly evaluations"),
                "suppliers:evaluations",
                STAFF_READ_ROLES,
                "clipboard-data",
                71,
            ),
            (_("Record a contract"), "suppliers:contract_create", MANAGE_ROLES, "plus-circle", 72),
            (_("Our contracts"), "suppliers:contracts", CONTRACTOR_ROLES, "briefcase", 73),
            (_("Our evaluations"), "suppliers:evaluations", CONTRACTOR_ROLES, "clipboard-data", 74),
        )
