from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "pinzhi.complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from pinzhi.complaints import demo, export, services
        from pinzhi.complaints.events import ComplaintEvent
        from pinzhi.complaints.models import Category
        from pinzhi.complaints.selectors import (
            deadline_escalation_recipients,
            personal_data_known,
            personal_data_rule,
        )
        from pinzhi.complaints.workflow import COMPLAINT_WORKFLOW
        from pinzhi.core.demo import DemoPart, register_demo
        from pinzhi.core.exports import export_writer_register
        from pinzhi.deadlines.display import register_kind, register_level
        from pinzhi.deadlines.escalation import register_escalation
        from pinzhi.lib.workflow import workflow_register
        from pinzhi.orgs.selectors import register_service_categories
        from pinzhi.timeline.events import register_labels
        from pinzhi.timeline.privacy import register_personal_data_rule

        workflow_register(COMPLAINT_WORKFLOW)
        # Issue 9 item 4: a large export of the complaint list is written by a worker.
        export_writer_register(export.EXPORT_KIND, export.complaints_export_write)
        # Issue 8 item 6: a contracted service covers complaint categories.
        register_service_categories(lambda: list(Category.choices))
        register_escalation("complaint", deadline_escalation_recipients)
        register_demo(DemoPart(name="complaints", load=demo.load_demo_complaints, order=50))
        register_personal_data_rule(
            "complaints.complaint", personal_data_rule, known=personal_data_known
        )
        for kind, label in [
            # Named as limits, not as the step that meets them: an overdue row reads
            # 「投诉解决时限 — 已超时 13 天」 (issue 8 item 6).
            (services.FIRST_CONTACT, _("Time limit for the first contact")),
            (services.ON_SITE, _("Time limit to be on site (urgent complaint)")),
            (services.RESOLUTION, _("Time limit to resolve the complaint")),
            (services.ANSWER, _("Time limit to answer the complainant")),
            (services.CALLBACK, _("Time limit for the callback")),
            (services.CLOSURE, _("Time limit to report the result and close the case")),
        ]:
            register_kind(kind, label)
        for level, label in [
            ("owner", _("Person responsible for the time limit")),
            ("handler", _("Handler")),
            ("department_head", _("Head of the department complained about")),
            ("group_leader", _("Group leader")),
            ("chairman", _("Chairman")),
        ]:
            register_level(level, label, kind_prefix="complaint")
        register_labels(ComplaintEvent)
        # Issue 9 item 3: the monthly figures' change rows summed, one row per key.
        from datetime import timedelta

        from pinzhi.complaints.figures import figures_fold_task
        from pinzhi.core.clock import register_periodic

        register_periodic(
            name="complaints.figures_fold", task=figures_fold_task, every=timedelta(minutes=5)
        )
        self._register_shell()

    def _register_shell(self) -> None:
        """Navigation, home tiles and attachment access of the staff complaint pages."""
        from pinzhi.complaints import tiles
        from pinzhi.complaints.selectors import (
            REGISTER_ROLES,
            STAFF_COMPLAINT_ROLES,
            complaints_visible_to,
        )
        from pinzhi.complaints.views_repeats import VIEW_ROLES as REPEAT_ROLES
        from pinzhi.core.shell import Tile, register_nav_section, register_tile
        from pinzhi.orgs.roles import CONTRACTOR_ROLES, Role
        from pinzhi.timeline.selectors import register_attachment_access

        staff = frozenset(STAFF_COMPLAINT_ROLES)
        quality = {Role.QUALITY_DEPARTMENT}
        register_nav_section(
            _("Complaints"),
            (_("Register a complaint"), "complaints:create", REGISTER_ROLES, "plus-circle", 30),
            (_("My queue"), "complaints:my_queue", staff, "inbox", 31),
            (_("Department queue"), "complaints:department_queue", staff, "people", 32),
            (_("All complaints"), "complaints:list", staff, "archive", 33),
            # Issue 8 item 6: a contractor reads the complaints about its own service.
            (_("Complaints about our service"), "complaints:list", CONTRACTOR_ROLES, "archive", 34),
            # Repeat analysis (CMP-8) and the import of historical complaints.
            (_("Repeat analysis"), "repeats:index", REPEAT_ROLES, "diagram-3", 40),
            (_("Import complaints"), "complaint_import:upload", quality, "upload", 45),
        )
        for key, render, tile_roles, order in [
            ("complaints.my_open", tiles.my_open_cases, staff, 20),
            ("complaints.letters", tiles.letters_to_sign, {Role.DEPARTMENT_MANAGER}, 21),
            (
                "complaints.callbacks",
                tiles.callbacks_due,
                {Role.COMPLAINT_HANDLER, Role.SERVICE_DESK},
                22,
            ),
            (
                "complaints.overview",
                tiles.company_overview,
                {Role.QUALITY_DEPARTMENT, Role.LEADERSHIP, Role.QUALITY_COMMITTEE},
                23,
            ),
            # Issue 8 item 6: what an inspector and the supervising body look at first.
            ("complaints.in_my_units", tiles.in_my_units, {Role.INSPECTOR}, 24),
            ("complaints.time_limits", tiles.time_limits_in_my_units, {Role.INSPECTOR}, 25),
            ("complaints.contracted", tiles.contracted_service, CONTRACTOR_ROLES, 28),
            ("complaints.recurring", tiles.recurring_topics, {Role.INSPECTOR}, 26),
            ("complaints.supervised", tiles.supervised_figures, {Role.SUPERVISING_BODY}, 27),
        ]:
            register_tile(
                Tile(
                    key=key,
                    template=f"complaints/tiles/{key.split('.')[1]}.html",
                    roles=frozenset(tile_roles),
                    render=render,
                    order=order,
                )
            )
        # Whoever may open a case may download its attachments (X-1, ORG-2).
        register_attachment_access(
            "complaints.complaint",
            lambda user, complaint: (
                complaint is not None
                and complaints_visible_to(user).filter(pk=complaint.pk).exists()
            ),
        )
